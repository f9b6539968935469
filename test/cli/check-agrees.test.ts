/**
 * `check` and `run` agree (issue 11): every malformed settings case that `run` (or `schedule`) refuses,
 * `check` refuses with the same exit code and the same key or file named, and nothing runs; what `check`
 * accepts, `run` runs.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sandbox, type CliResult, type Sandbox } from './spawn-cli.js';
import { makeTempDir } from '../helpers/job-context.js';

const otherUid = 4242;
const topUnit = '1a1b1c1d-0000-4000-8000-000000000001';
/** OS2sync enabled with every required key; nothing listens on port 9, and no case gets as far as a request. */
const os2sync = {
  'crontab.RUN_OS2SYNC': true,
  'municipality.cvr': '12345678',
  'os2sync.top_unit_uuid': topUnit,
  'mora.base': 'http://127.0.0.1:9',
  'os2sync.api_url': 'http://127.0.0.1:9/api',
};

interface Case {
  name: string;
  settings?: Record<string, unknown>;
  /** Raw file content (bytes) instead of settings. */
  raw?: Buffer | string;
  env?: Record<string, string>;
  prepare?: (sb: Sandbox) => void;
  /** Arguments after `run`: the job whose settings are wrong (none = the whole night). */
  runArgs?: string[];
  /** `schedule` must refuse it too. */
  schedule?: boolean;
  /** What both commands' error must contain: the key (and the env var), or the file. */
  names: (sb: Sandbox) => (string | RegExp)[];
  /** Text that must appear in neither output. */
  never?: string[];
}

const cases: Case[] = [
  {
    name: 'runner.schedule with hour 25',
    settings: { 'runner.schedule': '0 25 * * *' },
    schedule: true,
    names: () => ['runner.schedule', 'invalid cron expression "0 25 * * *"'],
  },
  {
    name: 'runner.schedule that is not cron',
    settings: { 'runner.schedule': 'nightly' },
    schedule: true,
    names: () => ['runner.schedule'],
  },
  {
    name: 'OS2sync template syntax error',
    settings: { ...os2sync, 'os2sync.templates': { 'person.name': '{{ name ' } },
    runArgs: ['exports_os2sync'],
    names: () => ['exports_os2sync: os2sync.templates', 'syntax error in template person.name'],
  },
  {
    name: 'CLIENT_ID without AUTH_SERVER',
    settings: { ...os2sync, 'crontab.CLIENT_ID': 'dipex', 'crontab.CLIENT_SECRET': 'not-shown-secret' },
    runArgs: ['exports_os2sync'],
    names: () => ['crontab.AUTH_SERVER: is required when CLIENT_ID is set'],
    never: ['not-shown-secret'],
  },
  {
    name: 'CLIENT_ID from the environment without AUTH_SERVER',
    settings: os2sync,
    env: { CLIENT_ID: 'dipex', CLIENT_SECRET: 'x' },
    runArgs: ['exports_os2sync'],
    names: () => ['crontab.AUTH_SERVER'],
  },
  {
    name: 'runner.state_dir pointing at a file',
    prepare: (sb) => fs.writeFileSync(sb.stateDir, 'a file'),
    names: (sb) => ['runner.state_dir', `${sb.stateDir} is a file, not a directory`],
  },
  {
    name: 'runner.state_dir below a file',
    prepare: (sb) => {
      fs.writeFileSync(path.join(sb.dir, 'f'), '');
      sb.write({ 'runner.state_dir': path.join(sb.dir, 'f', 'var') });
    },
    names: () => ['runner.state_dir', /f is not a directory/],
  },
  {
    name: 'non-string runner.state_dir',
    settings: { 'runner.state_dir': 42 },
    names: () => ['runner.state_dir: Expected string'],
  },
  {
    name: 'mora.base with ftp://',
    settings: { ...os2sync, 'mora.base': 'ftp://mo.example.dk' },
    runArgs: ['exports_os2sync'],
    names: () => ['mora.base: expected an http:// or https:// URL'],
  },
  {
    name: 'os2sync.api_url with file:',
    settings: { ...os2sync, 'os2sync.api_url': 'file:///etc/passwd' },
    runArgs: ['exports_os2sync'],
    names: () => ['os2sync.api_url: expected an http:// or https:// URL'],
  },
  {
    name: 'OS2sync without its required municipality.cvr',
    settings: { ...os2sync, 'municipality.cvr': undefined },
    runArgs: ['exports_os2sync'],
    names: () => ['exports_os2sync: municipality.cvr: is required but not set'],
  },
  {
    name: 'SQL export to Postgres without a host',
    settings: {
      'crontab.RUN_CACHE_LORACACHE': true,
      'crontab.RUN_ACTUAL_STATE_EXPORT': true,
      'mora.base': 'http://127.0.0.1:9',
      'exporters.actual_state.type': 'Postgres',
      'exporters.actual_state.user': 'bi',
    },
    runArgs: ['exports_actual_state_export'],
    names: () => ['exports_actual_state_export: exporters.actual_state.host: is required for type Postgres'],
  },
  {
    name: 'a runner key overridden badly from the environment',
    env: { RUNNER_CONCURRENCY: 'zero' },
    names: () => ['runner.concurrency', 'environment variable RUNNER_CONCURRENCY'],
  },
  {
    name: "a job's key overridden badly from the environment",
    settings: os2sync,
    env: { OS2SYNC_API_URL: 'gopher://fk.example.dk' },
    runArgs: ['exports_os2sync'],
    names: () => ['os2sync.api_url', 'environment variable OS2SYNC_API_URL'],
  },
  {
    name: 'a command job overridden badly from the environment',
    env: { RUNNER_JOBS: '{"x": {"stage": "nightly", "command": "true"}}' },
    names: () => ['runner.jobs.x.stage', 'environment variable RUNNER_JOBS'],
  },
  {
    name: 'JSON syntax error after a client secret',
    raw: '{\n  "crontab.CLIENT_SECRET": "s3cr3t-value-xyz",\n  oops\n}\n',
    names: (sb) => [`${sb.settingsFile}: not valid JSON`, 'line 3, column 3'],
    never: ['s3cr3t', 'CLIENT_SECRET', 'oops'],
  },
  {
    name: 'JSON cut short',
    raw: '{"crontab.CLIENT_SECRET": "abcdefgh',
    names: () => ['not valid JSON', 'line 1'],
    never: ['abcdefgh'],
  },
  {
    name: 'settings file that is not UTF-8',
    raw: Buffer.concat([Buffer.from('{"municipality.name": "K'), Buffer.from([0xf8]), Buffer.from('ge"}')]),
    names: (sb) => [`${sb.settingsFile}: not valid UTF-8 (byte offset 24)`],
  },
  {
    name: 'corrupt history.sqlite',
    prepare: (sb) => {
      fs.mkdirSync(sb.stateDir, { mode: 0o700 });
      fs.writeFileSync(path.join(sb.stateDir, 'history.sqlite'), 'this is not a database'.repeat(100));
    },
    names: (sb) => [`${path.join(sb.stateDir, 'history.sqlite')}: is not a SQLite database`, 'move it aside'],
  },
  {
    name: 'settings file owned by another user',
    prepare: (sb) => fs.chownSync(sb.settingsFile, otherUid, otherUid),
    names: (sb) => [`refusing to run: ${sb.settingsFile} is owned by uid ${otherUid}`],
  },
  {
    name: 'state dir owned by another user',
    prepare: (sb) => {
      fs.mkdirSync(sb.stateDir, { mode: 0o700 });
      fs.chownSync(sb.stateDir, otherUid, otherUid);
    },
    names: (sb) => [`refusing to run: ${sb.stateDir} is owned by uid ${otherUid}`],
  },
  {
    name: 'settings inside a directory writable by others without the sticky bit',
    prepare: (sb) => fs.chmodSync(sb.dir, 0o777),
    names: (sb) => [`is inside ${sb.dir}, which is writable by group or others`, `chmod go-w ${sb.dir}`],
  },
  {
    name: 'settings reached through a symlink into a group-writable directory',
    prepare: (sb) => {
      const shared = makeTempDir('jr-shared-');
      fs.chmodSync(shared, 0o775);
      const real = path.join(shared, 'settings.json');
      fs.renameSync(sb.settingsFile, real);
      fs.symlinkSync(real, sb.settingsFile);
    },
    names: () => [/is inside \S*jr-shared-\S*, which is writable by group or others/],
  },
  {
    name: 'state dir below a group-writable directory',
    prepare: (sb) => {
      const shared = makeTempDir('jr-shared-');
      fs.chmodSync(shared, 0o770);
      sb.write({ 'runner.state_dir': path.join(shared, 'var') });
    },
    names: () => [/is inside \S*jr-shared-\S*, which is writable by group or others/],
  },
];

interface Outcome {
  check: CliResult;
  run: CliResult;
  schedule?: CliResult;
  sb: Sandbox;
  logsCreated: boolean;
}

async function runCase(c: Case): Promise<Outcome> {
  const sb = sandbox(c.settings ?? {});
  if (c.raw !== undefined) fs.writeFileSync(sb.settingsFile, c.raw);
  c.prepare?.(sb);
  const env = c.env ?? {};
  const check = await cli(sb, ['check'], env);
  const run = await cli(sb, ['run', ...(c.runArgs ?? [])], env);
  // schedule is only spawned for cases it must refuse: with good settings it would start the daemon
  const schedule = c.schedule ? await cli(sb, ['schedule'], env) : undefined;
  const logsCreated = fs.existsSync(path.join(sb.stateDir, 'logs'));
  return { check, run, schedule, sb, logsCreated };
}

function expectRefusal(r: CliResult, what: string, names: (string | RegExp)[], never: string[]): void {
  expect(r.code, `${what}: ${r.stderr}`).to.equal(2);
  expect(r.stderr, what).not.to.match(/\n\s+at /);
  expect(r.stderr, what).not.to.include('internal error');
  for (const n of names) {
    if (typeof n === 'string') expect(r.stderr, what).to.include(n);
    else expect(r.stderr, what).to.match(n);
  }
  for (const n of never) expect(r.stdout + r.stderr, what).not.to.include(n);
}

describe('check and run agree on every malformed settings case (spawned)', function () {
  this.timeout(300_000);
  const results = new Map<string, Outcome>();

  before(async () => {
    const queue = [...cases];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) results.set(c.name, await runCase(c));
      }),
    );
  });

  for (const c of cases) {
    it(c.name, () => {
      const o = results.get(c.name)!;
      const names = c.names(o.sb);
      expectRefusal(o.check, 'check', names, c.never ?? []);
      expectRefusal(o.run, `run ${(c.runArgs ?? []).join(' ')}`, names, c.never ?? []);
      if (o.schedule) expectRefusal(o.schedule, 'schedule', names, c.never ?? []);
      expect(o.run.stdout, 'run printed a summary: something ran').to.equal('');
      expect(o.logsCreated, 'run created a log directory: something ran').to.equal(false);
    });
  }
});

describe('check and run agree on good settings, and on a whole night with one misconfigured job', function () {
  this.timeout(120_000);

  it('what check accepts, run runs (exit 0)', async () => {
    const sb = sandbox({
      'runner.schedule': '30 1 * * 1-5',
      'runner.jobs': { hello: { stage: 'export', command: 'echo hello' } },
    });
    const check = await cli(sb, ['check']);
    expect(check.code, check.stderr).to.equal(0);
    expect(check.stdout).to.match(/settings OK .*1 jobs enabled: hello/);
    const run = await cli(sb, ['run']);
    expect(run.code, run.stderr).to.equal(0);
  });

  it('a whole night: the misconfigured job fails at once naming the key, the others run (exit 1); check exits 2', async () => {
    const sb = sandbox({
      ...os2sync,
      'os2sync.templates': { 'person.name': '{% if %}' },
      'runner.jobs': { hello: { stage: 'export', command: 'echo hello' } },
      // the sanity check (on by default) finds no MO at this address: one attempt, not 20 s of retries
      'mora.retry.max_attempts': 1,
    });
    const check = await cli(sb, ['check']);
    expect(check.code).to.equal(2);
    expect(check.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(check.stderr).to.include('exports_os2sync: os2sync.templates: syntax error');
    const run = await cli(sb, ['run']);
    expect(run.code, run.stderr).to.equal(1);
    const status = await cli(sb, ['status', '--json']);
    const jobs = (JSON.parse(status.stdout) as { jobs: { name: string; status: string; message?: string }[] })
      .jobs;
    const os2syncJob = jobs.find((j) => j.name === 'exports_os2sync')!;
    expect(os2syncJob.status).to.equal('failed');
    expect(os2syncJob.message).to.include('os2sync.templates');
    expect(jobs.find((j) => j.name === 'hello')!.status).to.equal('succeeded');
  });

  it('run of a named job whose settings are wrong exits 2 but runs a healthy one named with it', async () => {
    const sb = sandbox({
      ...os2sync,
      'os2sync.templates': { 'person.name': '{{ x ' },
      'runner.jobs': { hello: { stage: 'export', command: 'echo hello' } },
    });
    const alone = await cli(sb, ['run', 'exports_os2sync']);
    expect(alone.code).to.equal(2);
    expect(alone.stderr.trimEnd().split('\n')).to.deep.equal([
      'job-runner: exports_os2sync: os2sync.templates: syntax error in template person.name: expected variable end',
    ]);
    const both = await cli(sb, ['run', 'exports_os2sync', 'hello']);
    expect(both.code, both.stderr).to.equal(1);
  });
});
