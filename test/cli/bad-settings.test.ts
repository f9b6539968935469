import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sandbox, type CliResult } from './spawn-cli.js';

interface Case {
  name: string;
  settings?: Record<string, unknown>;
  /** Raw file content instead of settings. */
  raw?: string;
  args?: string[];
  prepare?: (file: string) => void;
  /** The one stderr line must match. */
  expect: RegExp;
}

const cmd = (command = 'true', extra: Record<string, unknown> = {}) => ({
  stage: 'export',
  command,
  ...extra,
});

const cases: Case[] = [
  {
    name: 'missing file',
    args: ['--settings', '/nonexistent/settings.json', 'run'],
    expect: /settings: \/nonexistent\/settings.json: not found/,
  },
  {
    name: 'invalid JSON',
    raw: '{"runner.concurrency": 4,',
    expect: /not valid JSON \(PropertyNameExpected at line 1, column 26\)$/,
  },
  { name: 'not an object', raw: '["a"]', expect: /expected a JSON object/ },
  {
    name: 'concurrency 0',
    settings: { 'runner.concurrency': 0 },
    expect: /^job-runner: runner.concurrency: .*integer/,
  },
  {
    name: 'concurrency text',
    settings: { 'runner.concurrency': 'many' },
    expect: /^job-runner: runner.concurrency:/,
  },
  {
    name: 'timeout text',
    settings: { 'runner.job_timeout': 'forever' },
    expect: /^job-runner: runner.job_timeout: expected a duration/,
  },
  {
    name: 'keep_days negative',
    settings: { 'runner.keep_days': -1 },
    expect: /^job-runner: runner.keep_days:/,
  },
  {
    name: 'strict_stages maybe',
    settings: { 'runner.strict_stages': 'maybe' },
    expect: /^job-runner: runner.strict_stages:/,
  },
  {
    name: 'unknown time zone',
    settings: { 'runner.timezone': 'Mars/Olympus' },
    expect: /^job-runner: runner.timezone: unknown time zone/,
  },
  {
    name: 'kill_grace text',
    settings: { 'runner.kill_grace': 'soonish' },
    expect: /^job-runner: runner.kill_grace:/,
  },
  { name: 'runner.jobs array', settings: { 'runner.jobs': [] }, expect: /^job-runner: runner.jobs:/ },
  {
    name: 'command missing',
    settings: { 'runner.jobs': { x: { stage: 'export' } } },
    expect: /^job-runner: runner.jobs.x.command: Required/,
  },
  {
    name: 'bad stage',
    settings: { 'runner.jobs': { x: cmd('true', { stage: 'nightly' }) } },
    expect: /^job-runner: runner.jobs.x.stage: Invalid enum value/,
  },
  {
    name: 'unknown field',
    settings: { 'runner.jobs': { x: { ...cmd(), cmd: 'ls' } } },
    expect: /^job-runner: runner.jobs.x: Unrecognized key.*cmd/,
  },
  {
    name: 'bad job timeout',
    settings: { 'runner.jobs': { x: cmd('true', { timeout: 'abc' }) } },
    expect: /^job-runner: runner.jobs.x.timeout: expected a duration/,
  },
  {
    name: 'non-string env',
    settings: { 'runner.jobs': { x: cmd('true', { env: { A: 1 } }) } },
    expect: /^job-runner: runner.jobs.x.env.A: Expected string/,
  },
  {
    name: 'bad job name',
    settings: { 'runner.jobs': { 'bad name!': cmd() } },
    expect: /^job-runner: runner.jobs.bad name!: job names may contain only/,
  },
  {
    name: 'unknown need',
    settings: { 'runner.jobs': { x: cmd('true', { needs: ['nope'] }) } },
    expect: /^job-runner: x: .*needs unknown job "nope"/,
  },
  {
    name: 'disabled need',
    settings: {
      'runner.jobs': {
        x: cmd('true', { needs: ['y'] }),
        y: cmd('true', { stage: 'prepare', enabled: false }),
      },
    },
    expect: /^job-runner: x: .*needs y, which is disabled: turn on runner.jobs.y.enabled/,
  },
  {
    name: 'cycle',
    settings: { 'runner.jobs': { x: cmd('true', { needs: ['y'] }), y: cmd('true', { needs: ['x'] }) } },
    expect: /^job-runner: (x|y): .*prerequisites form a cycle/,
  },
  {
    name: 'duplicate of a catalogue job',
    settings: { 'runner.jobs': { exports_os2sync: cmd() } },
    expect: /duplicate job name "exports_os2sync"/,
  },
  {
    name: 'unrecognised toggle',
    settings: { 'crontab.RUN_OS2SYNC': 'yes' },
    expect: /^job-runner: crontab.RUN_OS2SYNC: expected true or false, got "yes"/,
  },
  {
    name: 'timeout of an unknown job',
    settings: { 'runner.timeout.nojob': '1h' },
    expect: /^job-runner: runner.timeout.nojob: no job is named "nojob"/,
  },
  {
    name: 'bad per-job timeout',
    settings: { 'runner.jobs': { x: cmd() }, 'runner.timeout.x': 'soon' },
    expect: /^job-runner: runner.timeout.x: expected a duration/,
  },
  {
    name: 'catalogue job needs a disabled prepare job',
    settings: { 'crontab.RUN_OS2SYNC': true, 'os2sync.use_lc_db': true },
    expect:
      /^job-runner: exports_os2sync: .*needs exports_cache_loracache, which is disabled: turn on crontab.RUN_CACHE_LORACACHE/,
  },
  {
    name: 'group-writable settings file',
    settings: {},
    prepare: (f) => fs.chmodSync(f, 0o664),
    expect: /is writable by group or others; fix with: chmod go-w .*settings.json$/,
  },
  {
    name: 'world-writable state dir',
    settings: {},
    prepare: (f) => {
      fs.mkdirSync(path.join(path.dirname(f), 'var'));
      fs.chmodSync(path.join(path.dirname(f), 'var'), 0o777);
    },
    expect: /chmod go-w .*\/var$/,
  },
  {
    name: 'state dir that cannot be created',
    // below a file (recursive mkdir under /proc spins forever in Node 20, so not there)
    settings: { 'runner.state_dir': '/dev/null/var' },
    expect:
      /^job-runner: runner.state_dir: \/dev\/null\/var cannot be created: \/dev\/null is not a directory/,
  },
  {
    name: '--resume with job names',
    args: ['run', '--resume', 'x'],
    expect: /--resume .* give no job names/,
  },
  {
    name: '--with-deps without names',
    args: ['run', '--with-deps'],
    expect: /--with-deps needs at least one job name/,
  },
];

async function runCase(c: Case): Promise<CliResult> {
  const sb = sandbox(c.settings ?? {});
  if (c.raw !== undefined) fs.writeFileSync(sb.settingsFile, c.raw);
  c.prepare?.(sb.settingsFile);
  const args = c.args ?? ['run'];
  // --settings given in the case replaces the sandbox's: spawn-cli puts ours first, commander keeps the last
  return cli(sb, args);
}

describe('bad settings (spawned, one line on stderr, exit 2)', function () {
  // 30 spawns: generous for a loaded machine (no timing is asserted)
  this.timeout(240_000);
  const table = cases;
  const results = new Map<string, CliResult>();

  before(async () => {
    const queue = [...table];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) results.set(c.name, await runCase(c));
      }),
    );
  });

  it('has at least 20 cases', () => expect(table.length).to.be.at.least(20));

  for (const c of table) {
    it(c.name, () => {
      const r = results.get(c.name)!;
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(c.expect);
      expect(r.stderr).not.to.match(/\n\s+at /);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
    });
  }
});
