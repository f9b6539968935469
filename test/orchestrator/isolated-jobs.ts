/**
 * Built-in-style jobs that run isolated in their own process in the isolation tests (each export is one job;
 * `isolatedJob(name, stage, export)` in fake-jobs.ts points a definition at it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';

/** Reports what reached it: the context as the job sees it, and its process id. */
export async function echo(ctx: JobContext): Promise<JobResult> {
  ctx.logger.info('hello from 010190-1234', { token: 'the-secret-token', pid: process.pid });
  ctx.logger.child({ part: 'inner' }).warn('a warning');
  for (let i = 1; i <= 1000; i++) ctx.progress(i, 1000, 'steps');
  ctx.progress(7, undefined, 'more');
  const file = path.join(ctx.paths.state, 'echo.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      pid: process.pid,
      moduleUrl: import.meta.url,
      runId: ctx.runId,
      runStartedAt: ctx.runStartedAt instanceof Date ? ctx.runStartedAt.toISOString() : 'not a date',
      jobName: ctx.jobName,
      dryRun: ctx.dryRun,
      verbose: ctx.verbose,
      paths: ctx.paths,
      setting: ctx.settings.get('fake.value'),
      env: ctx.env.FAKE_ENV,
      prerequisitesRanThisRun: ctx.prerequisitesRanThisRun,
      execArgv: process.execArgv,
    }),
  );
  return { counters: { seen: 3 }, outputs: [file], message: 'echoed' };
}

/**
 * Writes a burst of 3,000 log lines (one with metadata that cannot be cloned), then one lone line, then never
 * yields until the test has seen that lone line (the file `seen` appears): a lone line is not held back.
 */
export async function chatty(ctx: JobContext): Promise<JobResult> {
  for (let i = 0; i < 3000; i++) {
    ctx.logger.info(`line ${i}`, i === 1234 ? { i, callback: () => i } : { i });
    if (i === 1500) ctx.progress(1, 2, 'halfway');
  }
  await new Promise((r) => setTimeout(r, 50));
  ctx.logger.info('lone line');
  const seen = path.join(ctx.paths.state, 'seen');
  const until = Date.now() + 20_000;
  while (!fs.existsSync(seen) && Date.now() < until);
  if (!fs.existsSync(seen)) throw new Error('the lone line did not reach the runner while the job was busy');
  return { message: 'chatted' };
}

/** Ignores its signal and appends to a counter file every 10 ms until its process is killed. */
export async function stubborn(ctx: JobContext): Promise<JobResult> {
  const file = path.join(ctx.paths.state, 'counter.txt');
  const fd = fs.openSync(file, 'a');
  for (;;) {
    fs.writeSync(fd, 'x');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Never yields to the event loop (a busy loop): only killing its process stops it. */
export async function busy(ctx: JobContext): Promise<JobResult> {
  const file = path.join(ctx.paths.state, 'counter.txt');
  const fd = fs.openSync(file, 'a');
  let last = 0;
  for (;;) {
    if (Date.now() - last > 10) {
      fs.writeSync(fd, 'x');
      last = Date.now();
    }
  }
}

/** Honours its signal: removes its temp file and throws. */
export async function polite(ctx: JobContext): Promise<JobResult> {
  const tmp = path.join(ctx.paths.state, 'polite.tmp');
  fs.writeFileSync(tmp, 'partial');
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  fs.rmSync(tmp);
  throw new Error(`stopped: ${String(ctx.signal.reason)}`);
}

/** Keeps every allocation alive (32 MB arrays of doubles, so few GCs) until the heap limit is reached. */
export async function hog(): Promise<JobResult> {
  const keep: number[][] = [];
  for (;;) {
    keep.push(new Array<number>(4_000_000).fill(1.5));
    await new Promise((r) => setImmediate(r));
  }
}

/** Throws outside its promise (an uncaught exception in a timer). */
export async function crash(): Promise<JobResult> {
  setTimeout(() => {
    throw new Error('boom in a timer');
  }, 5);
  return new Promise(() => {});
}

/** Ends its own process, as a library calling process.exit would. */
export async function exits(): Promise<JobResult> {
  process.exit(3);
}

export async function badSetting(): Promise<JobResult> {
  throw new JobSettingsError('fake.value', 'must be a number');
}

export async function reportsFailed(): Promise<JobResult> {
  return { failed: true, message: '1 object rejected' };
}
