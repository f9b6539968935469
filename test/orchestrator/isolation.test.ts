import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { executePlan } from '../../orchestrator/execute.js';
import { compiledTwin, FROM_DIST_ENV } from '../../orchestrator/isolation/compiled-twin.js';
import {
  CPU_PROFILE_DIR_ENV,
  jobProcessCommand,
  loaderArgs,
  profilerArgs,
} from '../../orchestrator/isolation/isolated-job.js';
import { buildPlan } from '../../orchestrator/plan.js';
import type { JobDefinition } from '../../orchestrator/job.js';
import type { JobRecord } from '../../orchestrator/events.js';
import { silentLogger } from '../../orchestrator/logging.js';
import { pidAlive } from '../../orchestrator/lock.js';
import { runnerProblems } from '../../orchestrator/settings.js';
import { makeJobContext, makeTempDir, type TestJobContext } from '../helpers/job-context.js';
import { quietNight } from '../helpers/quiet-night.js';
import { nodeEntry } from '../helpers/node-entry.js';
import { enableAll, fakeJob, isolatedJob, settingsOf, sleep } from './fake-jobs.js';

/** Runs isolated jobs through the engine with a real JobContext per job (memory logger, temp state dir). */
function run(
  jobs: JobDefinition[],
  opts: { timeoutMs?: number; signal?: AbortSignal; memoryMb?: number; extra?: Record<string, unknown> } = {},
) {
  const state = makeTempDir('jr-iso-');
  const settings = enableAll(jobs, opts.extra);
  const contexts = new Map<string, TestJobContext>();
  const records = executePlan({
    plan: buildPlan(jobs, settings),
    concurrency: 8,
    timeoutFor: (def) => def.defaultTimeoutMs ?? opts.timeoutMs ?? 60_000,
    signal: opts.signal,
    logger: silentLogger(),
    settleMs: 5000,
    isolation: { memoryMb: opts.memoryMb ?? 2048, killGraceMs: 300 },
    makeContext: (node, signal) => {
      const ctx = makeJobContext(
        node.name,
        { ...settings.raw },
        { stateDir: state, signal, env: { FAKE_ENV: 'from-env' } },
      );
      contexts.set(node.name, ctx);
      return ctx;
    },
  });
  return { records, contexts, state };
}

const byName = (records: JobRecord[]) => Object.fromEntries(records.map((r) => [r.name, r]));

async function waitFor(file: string, signal?: AbortSignal): Promise<void> {
  while (!fs.existsSync(file) || fs.statSync(file).size === 0) {
    if (signal?.aborted) return;
    await sleep(20);
  }
}

/** The file's size now and 300 ms later (a stopped writer leaves it unchanged). */
async function growth(file: string): Promise<number> {
  const before = fs.statSync(file).size;
  await sleep(300);
  return fs.statSync(file).size - before;
}

/** Runs fn with JR_ISOLATED_FROM_DIST set to flag (unset when undefined), then restores it. */
async function withFromDist<T>(flag: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[FROM_DIST_ENV];
  const set = (v: string | undefined) =>
    v === undefined ? delete process.env[FROM_DIST_ENV] : (process.env[FROM_DIST_ENV] = v);
  set(flag);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

describe('isolated built-in jobs', function () {
  // every job is a real node process: slow to start on a loaded machine
  this.timeout(90_000);

  it('run in a process of their own with the JobContext as today: settings, paths, flags, env, logs, progress', async () => {
    const { records, contexts, state } = run([isolatedJob('echoer', 'export', 'echo')], {
      extra: { 'fake.value': 42 },
    });
    const r = byName(await records);
    expect(r.echoer).to.include({ status: 'succeeded', message: 'echoed; seen=3' });
    expect(r.echoer!.counters).to.deep.equal({ seen: 3 });
    expect(r.echoer!.peakRssMb).to.be.greaterThan(10);
    // a process that loaded Node and the job's modules has used CPU; the runner's own CPU is not counted
    expect(r.echoer!.cpuMs).to.be.greaterThan(0).and.lessThan(60_000);
    const seen = JSON.parse(fs.readFileSync(path.join(state, 'echo.json'), 'utf8'));
    const ctx = contexts.get('echoer')!;
    expect(seen.pid).to.not.equal(process.pid);
    expect(pidAlive(seen.pid)).to.equal(false);
    expect(seen).to.deep.include({
      runId: ctx.runId,
      runStartedAt: ctx.runStartedAt.toISOString(),
      jobName: 'echoer',
      dryRun: false,
      verbose: false,
      setting: 42,
      env: 'from-env',
      prerequisitesRanThisRun: true,
    });
    expect(seen.paths).to.deep.equal(ctx.paths);
    // the GC as measured (docs/architecture.md, "GC") and the heap limit of runner.job_memory_mb
    expect(seen.execArgv).to.include.members([
      '--single-threaded-gc',
      '--heap-growing-percent=100',
      '--max-old-space-size=2048',
    ]);
    const lines = ctx.logLines as { level: string; message: string; [k: string]: unknown }[];
    expect(lines.find((l) => l.message.startsWith('hello'))).to.include({
      level: 'info',
      job: 'echoer',
      pid: seen.pid,
    });
    expect(lines.find((l) => l.message === 'a warning')).to.include({ level: 'warn', part: 'inner' });
    // throttled in the job's process (one message per 100 ms), the first, the total and the last always arrive
    const calls = ctx.progressCalls;
    expect(calls[0]).to.deep.equal({ done: 1, total: 1000, what: 'steps' });
    expect(calls.at(-2)).to.deep.equal({ done: 1000, total: 1000, what: 'steps' });
    expect(calls.at(-1)).to.deep.equal({ done: 7, total: undefined, what: 'more' });
    expect(calls.length).to.be.lessThan(50);
  });

  it(`runs the job from the TypeScript sources under tsx, or dist's compiled copy when ${FROM_DIST_ENV}=1`, async () => {
    const moduleUrlWith = (flag: string | undefined) =>
      withFromDist(flag, async () => {
        const { records, state } = run([isolatedJob('echoer', 'export', 'echo')]);
        expect(byName(await records).echoer).to.include({ status: 'succeeded' });
        return JSON.parse(fs.readFileSync(path.join(state, 'echo.json'), 'utf8')).moduleUrl as string;
      });
    const source = new URL('./isolated-jobs.ts', import.meta.url).href;
    expect(await moduleUrlWith(undefined)).to.equal(source);
    expect(await moduleUrlWith('1')).to.equal(
      new URL('../../dist/test/orchestrator/isolated-jobs.js', import.meta.url).href,
    );
  });

  it(`writes a V8 CPU profile of each job's process into ${CPU_PROFILE_DIR_ENV}, and none without it`, async () => {
    expect(profilerArgs({})).to.deep.equal([]);
    const dir = makeTempDir('jr-prof-');
    process.env[CPU_PROFILE_DIR_ENV] = dir;
    try {
      const { records } = run([isolatedJob('echoer', 'export', 'echo')]);
      expect(byName(await records).echoer).to.include({ status: 'succeeded' });
    } finally {
      delete process.env[CPU_PROFILE_DIR_ENV];
    }
    const profiles = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    // one per thread: tsx's loader adds a second one when the job runs from the sources
    expect(profiles.length).to.be.greaterThan(0);
    for (const f of profiles) {
      const profile = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { nodes: unknown[] };
      expect(profile.nodes.length).to.be.greaterThan(0);
    }
  });

  it("names the missing compiled file and runs nothing when dist's copy was not built", async () => {
    const impl = { module: new URL('./no-such-module.js', import.meta.url).href };
    expect(jobProcessCommand(impl, false).module).to.equal(impl.module);
    expect(jobProcessCommand(impl, false).execArgv).to.deep.equal(loaderArgs());
    expect(() => jobProcessCommand(impl, true)).to.throw(
      `${FROM_DIST_ENV}: dist/test/orchestrator/no-such-module.js is missing: run npm run build first`,
    );
    expect(() => compiledTwin('/etc/hostname')).to.throw(
      `${FROM_DIST_ENV}: /etc/hostname is not a source file of this repository`,
    );
    const job = { ...isolatedJob('unbuilt', 'export', 'echo'), isolated: impl };
    const r = byName(await withFromDist('1', () => run([job]).records));
    expect(r.unbuilt).to.include({
      status: 'failed',
      message: `${FROM_DIST_ENV}: dist/test/orchestrator/no-such-module.js is missing: run npm run build first`,
    });
  });

  it('really stops a timed-out job that ignores its signal: its process is killed and stops writing', async () => {
    // the timeout counts from the process's start; on a loaded machine the job may not have begun writing
    // before a short one, so the timeout doubles until it has (the assertions hold for that attempt)
    for (let timeoutS = 2; ; timeoutS *= 2) {
      const { records, state } = run([
        isolatedJob('stubborn', 'export', 'stubborn', { timeoutMs: timeoutS * 1000 }),
      ]);
      const r = byName(await records);
      expect(r.stubborn).to.include({ status: 'timed_out', message: `timed out after ${timeoutS}.0 s` });
      const counter = path.join(state, 'counter.txt');
      if (!fs.existsSync(counter) && timeoutS < 32) continue;
      expect(fs.statSync(counter).size).to.be.greaterThan(0);
      expect(await growth(counter)).to.equal(0);
      return;
    }
  });

  it('cancels a job that never yields (busy loop) by killing its process; a polite job cleans up first', async () => {
    const cancel = new AbortController();
    const { records, state } = run(
      [isolatedJob('busy', 'export', 'busy'), isolatedJob('polite', 'export', 'polite')],
      { signal: cancel.signal },
    );
    await waitFor(path.join(state, 'counter.txt'));
    await waitFor(path.join(state, 'polite.tmp'));
    cancel.abort();
    const r = byName(await records);
    expect(r.busy!.status).to.equal('cancelled');
    expect(r.polite!.status).to.equal('cancelled');
    expect(await growth(path.join(state, 'counter.txt'))).to.equal(0);
    expect(fs.existsSync(path.join(state, 'polite.tmp'))).to.equal(false);
  });

  it("kills the job's process when the runner exits while the job never yields", async () => {
    const state = makeTempDir('jr-iso-');
    const runner = spawn(
      process.execPath,
      [...nodeEntry(fileURLToPath(new URL('./runner-exits.ts', import.meta.url))), state],
      { stdio: 'ignore' },
    );
    const code = await new Promise((resolve) => runner.once('exit', resolve));
    expect(code).to.equal(0);
    expect(await growth(path.join(state, 'counter.txt'))).to.equal(0);
  });

  it('forwards a burst of log lines in order and complete, and a lone line while the job is still busy', async () => {
    const { records, contexts, state } = run([isolatedJob('chatty', 'export', 'chatty')]);
    const seenLone = (async () => {
      for (;;) {
        const lines = contexts.get('chatty')?.logLines ?? [];
        if (lines.some((l) => l.message === 'lone line'))
          return fs.writeFileSync(path.join(state, 'seen'), '');
        await sleep(20);
      }
    })();
    const r = byName(await records);
    await seenLone;
    expect(r.chatty).to.include({ status: 'succeeded', message: 'chatted' });
    const lines = contexts.get('chatty')!.logLines as { message: string; i?: number }[];
    const burst = lines.filter((l) => l.message.startsWith('line '));
    expect(burst.map((l) => l.i)).to.deep.equal([...Array(3000).keys()]);
    expect(burst.map((l) => l.message)).to.deep.equal([...Array(3000).keys()].map((i) => `line ${i}`));
    expect(lines.findIndex((l) => l.message === 'lone line')).to.be.greaterThan(lines.indexOf(burst.at(-1)!));
    expect(contexts.get('chatty')!.progressCalls).to.deep.include({ done: 1, total: 2, what: 'halfway' });
  });

  it('fails only the job that crashes, exits or runs out of memory, naming the reason', async () => {
    const { records } = run(
      [
        isolatedJob('crasher', 'export', 'crash'),
        isolatedJob('quitter', 'export', 'exits'),
        isolatedJob('hog', 'export', 'hog'),
        isolatedJob('bad_setting', 'export', 'badSetting'),
        isolatedJob('rejected', 'export', 'reportsFailed'),
        isolatedJob('fine', 'export', 'echo'),
        fakeJob('after_fine', 'report', { needs: ['fine'] }),
        isolatedJob('missing', 'export', 'noSuchExport'),
      ],
      { memoryMb: 96 },
    );
    const r = byName(await records);
    expect(r.crasher).to.include({ status: 'failed', message: 'crashed: boom in a timer' });
    expect(r.quitter).to.include({
      status: 'failed',
      message: "the job's process ended before the job finished (exit code 3)",
    });
    expect(r.hog).to.include({
      status: 'failed',
      message: 'out of memory: the job needed more than runner.job_memory_mb (96 MB)',
    });
    expect(r.bad_setting).to.include({ status: 'failed', message: 'fake.value: must be a number' });
    expect(r.rejected).to.include({ status: 'failed', message: '1 object rejected' });
    expect(r.missing!.status).to.equal('failed');
    expect(r.missing!.message).to.match(/isolated-jobs\.(ts|js) has no function noSuchExport$/);
    expect(r.fine!.status).to.equal('succeeded');
    expect(r.after_fine!.status).to.equal('succeeded');
  });

  it('validates runner.job_memory_mb and enforces it on a night, with logs redacted as before', async () => {
    const jobs = [isolatedJob('echoer', 'export', 'echo'), isolatedJob('hog', 'export', 'hog')];
    for (const bad of ['lots', 10, 0, 100_000]) {
      const problems = runnerProblems(settingsOf({ 'runner.job_memory_mb': bad }), jobs);
      expect(problems.map((p) => p.key)).to.deep.equal(['runner.job_memory_mb']);
    }
    expect(runnerProblems(settingsOf({ 'runner.job_memory_mb': '512' }), jobs)).to.deep.equal([]);

    const dir = makeTempDir();
    fs.chmodSync(dir, 0o700);
    const settings = enableAll(jobs, {
      'runner.state_dir': path.join(dir, 'var'),
      'runner.job_memory_mb': 96,
      'fake.token': 'the-secret-token',
    });
    const summary = await quietNight(settings, { jobs, root: dir, env: { FAKE_ENV: 'x' } });
    const r = byName(summary.jobs);
    expect(summary.exitCode).to.equal(1);
    expect(r.echoer!.status).to.equal('succeeded');
    expect(r.hog).to.include({
      status: 'failed',
      message: 'out of memory: the job needed more than runner.job_memory_mb (96 MB)',
    });
    const log = fs.readFileSync(path.join(summary.logDir, 'echoer.log'), 'utf8');
    expect(log).to.contain('hello from [cpr]').and.to.contain('token=[secret]');
    expect(log).to.match(/progress: 1000\/1000 steps/);
    expect(log).not.to.contain('010190-1234');
    const jsonl = fs.readFileSync(path.join(summary.logDir, 'run.jsonl'), 'utf8');
    expect(jsonl).to.contain('"job":"echoer"').and.not.to.contain('the-secret-token');
  });
});

describe('the catalogue runs isolated', () => {
  it('every built-in job names the module its process runs, and that module exports its run function', async () => {
    const { builtinJobs } = await import('../../jobs/registry.js');
    for (const job of builtinJobs) {
      expect(job.isolated?.module, job.name).to.be.a('string');
      const mod = (await import(job.isolated!.module.replace(/\.js$/, '.ts'))) as Record<string, unknown>;
      expect(typeof mod[job.isolated!.export ?? 'run'], job.name).to.equal('function');
    }
  });
});
