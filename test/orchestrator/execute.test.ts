import { expect } from 'chai';
import { executePlan } from '../../orchestrator/execute.js';
import { buildPlan } from '../../orchestrator/plan.js';
import type { JobContext, JobDefinition } from '../../orchestrator/job.js';
import type { JobRecord } from '../../orchestrator/events.js';
import { silentLogger } from '../../orchestrator/logging.js';
import { enableAll, fakeJob, sleep } from './fake-jobs.js';

function run(
  jobs: JobDefinition[],
  opts: {
    concurrency?: number;
    timeoutMs?: number;
    signal?: AbortSignal;
    extra?: Record<string, unknown>;
  } = {},
) {
  const settings = enableAll(jobs, opts.extra);
  const plan = buildPlan(jobs, settings);
  const ended: JobRecord[] = [];
  const started: string[] = [];
  const records = executePlan({
    plan,
    concurrency: opts.concurrency ?? 8,
    timeoutFor: (def) => def.defaultTimeoutMs ?? opts.timeoutMs ?? 10_000,
    signal: opts.signal,
    logger: silentLogger(),
    settleMs: 200,
    makeContext: (node, signal) => ({ jobName: node.name, signal, settings }) as unknown as JobContext,
    onJobStart: (j) => void started.push(j.name),
    onJobEnd: (j) => void ended.push(j),
  });
  return { records, ended, started };
}

const byName = (records: JobRecord[]) => Object.fromEntries(records.map((r) => [r.name, r]));

describe('executor', () => {
  it('never runs more jobs at once than the concurrency', async () => {
    let now = 0;
    let peak = 0;
    const jobs = Array.from({ length: 12 }, (_, i) =>
      fakeJob(`p${i}`, 'prepare', {
        run: async () => {
          now++;
          peak = Math.max(peak, now);
          await sleep(15);
          now--;
        },
      }),
    );
    const { records } = run(jobs, { concurrency: 3 });
    const recs = await records;
    expect(recs.every((r) => r.status === 'succeeded')).to.equal(true);
    expect(peak).to.equal(3);
  });

  it('skips the dependents of a failed job, naming the prerequisite, and runs everything else', async () => {
    const jobs = [
      fakeJob('imp', 'import'),
      fakeJob('cache', 'prepare', {
        run: async () => {
          throw new Error('MO said no\nsecond line');
        },
      }),
      fakeJob('cpr', 'prepare'),
      fakeJob('exp', 'export', { needs: ['cache'] }),
      fakeJob('rep', 'report', { needs: ['cpr'] }),
      fakeJob('later', 'report', { needs: ['cache'] }),
      fakeJob('post', 'post'),
    ];
    const { records, ended } = run(jobs);
    const r = byName(await records);
    expect(r.cache).to.include({ status: 'failed', message: 'MO said no', returnCode: 1 });
    expect(r.exp).to.include({ status: 'skipped', message: 'prerequisite cache failed' });
    expect(r.later!.status).to.equal('skipped');
    expect(r.rep!.status).to.equal('succeeded');
    expect(r.cpr!.status).to.equal('succeeded');
    expect(r.post!.status).to.equal('succeeded');
    expect(ended.at(-1)!.name).to.equal('post');
    expect(ended).to.have.length(jobs.length);
  });

  it('skips transitively through a failed import chain', async () => {
    const jobs = [
      fakeJob('i1', 'import', { run: async () => ({ failed: true, message: 'partly done' }) }),
      fakeJob('i2', 'import'),
      fakeJob('i3', 'import'),
      fakeJob('p', 'prepare'),
      fakeJob('info', 'pre', {
        informational: true,
        run: async () => {
          throw new Error('dup CPR');
        },
      }),
    ];
    const r = byName(await run(jobs).records);
    expect(r.i1).to.include({ status: 'failed', message: 'partly done' });
    expect(r.i2).to.include({ status: 'skipped', message: 'prerequisite i1 failed' });
    expect(r.i3).to.include({ status: 'skipped', message: 'prerequisite i2 skipped' });
    expect(r.p!.status).to.equal('skipped');
    expect(r.info!.status).to.equal('failed');
  });

  it('times out a job, aborting its signal, and moves on even if the job ignores the signal', async () => {
    let sawAbort = '';
    const jobs = [
      fakeJob('polite', 'prepare', {
        timeoutMs: 50,
        run: async (ctx) => {
          await sleep(5000, ctx.signal).catch(() => (sawAbort = String(ctx.signal.reason)));
          return {};
        },
      }),
      fakeJob('stubborn', 'prepare', { timeoutMs: 50, run: () => sleep(800) as Promise<void> }),
      fakeJob('after', 'export', { needs: ['stubborn'] }),
    ];
    const t0 = Date.now();
    const r = byName(await run(jobs).records);
    expect(Date.now() - t0).to.be.below(600);
    expect(r.polite).to.include({ status: 'timed_out', returnCode: 124 });
    expect(r.stubborn!.status).to.equal('timed_out');
    expect(r.stubborn!.message).to.contain('timed out after 50 ms');
    expect(r.after).to.include({ status: 'skipped', message: 'prerequisite stubborn timed out' });
    expect(sawAbort).to.equal('timeout');
  });

  it('cancels running jobs and never starts the rest on SIGINT/SIGTERM', async () => {
    const controller = new AbortController();
    const jobs = [
      fakeJob('long', 'prepare', { run: async (ctx) => void (await sleep(5000, ctx.signal)) }),
      fakeJob('next', 'export', { needs: ['long'] }),
      fakeJob('post', 'post'),
    ];
    const { records, started } = run(jobs, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const r = byName(await records);
    expect(r.long).to.include({ status: 'cancelled', returnCode: 130 });
    expect(r.next!.status).to.be.oneOf(['cancelled', 'skipped']);
    expect(r.post!.status).to.equal('cancelled');
    expect(started).to.deep.equal(['long']);
  });

  it('fails a job with invalid settings at once, naming the key', async () => {
    const settings = enableAll([fakeJob('a', 'export')]);
    const plan = buildPlan(
      [fakeJob('a', 'export'), fakeJob('b', 'export')],
      settings.with({ 'crontab.RUN_B': true }),
    );
    const recs = await executePlan({
      plan,
      concurrency: 2,
      timeoutFor: () => 1000,
      logger: silentLogger(),
      makeContext: () => ({}) as JobContext,
      problemsOf: (def) =>
        def.name === 'a' ? [{ job: 'a', key: 'a.url', message: 'is required but not set' }] : [],
    });
    expect(byName(recs).a).to.include({
      status: 'failed',
      message: 'settings: a.url: is required but not set',
    });
    expect(byName(recs).b!.status).to.equal('succeeded');
  });

  it('isolates observer errors', async () => {
    const settings = enableAll([fakeJob('a', 'export')]);
    const recs = await executePlan({
      plan: buildPlan([fakeJob('a', 'export')], settings),
      concurrency: 1,
      timeoutFor: () => 1000,
      logger: silentLogger(),
      makeContext: () => ({}) as JobContext,
      onJobStart: () => {
        throw new Error('observer broke');
      },
    });
    expect(recs[0]!.status).to.equal('succeeded');
  });

  it('records counters and a summary message', async () => {
    const jobs = [
      fakeJob('a', 'export', { run: async () => ({ counters: { sent: 3, failed: 0 }, message: 'done' }) }),
    ];
    const [rec] = await run(jobs).records;
    expect(rec!.counters).to.deep.equal({ sent: 3, failed: 0 });
    expect(rec!.message).to.equal('done; sent=3 failed=0');
  });
});
