/**
 * Entry point of a built-in job's own process (forked by isolated-job.ts). It rebuilds the JobContext from the
 * `start` message: settings, paths and flags as sent; a winston logger and ctx.progress that forward over the
 * IPC channel (the runner redacts and writes them); a signal the runner aborts with an `abort` message.
 * Imports no job by name: the module URL comes from the job's definition.
 */
import winston from 'winston';
import Transport from 'winston-transport';
import type { JobContext, JobResult } from '../job.js';
import { Settings } from '../settings-store.js';
import type { FromJob, LogLine, ProcessUsage, StartMessage, ToJob } from './messages.js';

const controller = new AbortController();

/** Peak RSS and CPU time of this process, sent with its last message. */
function usage(): ProcessUsage {
  const u = process.resourceUsage();
  return {
    peakRssMb: Math.round(u.maxRSS / 1024),
    cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000),
  };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 500) || (err instanceof Error ? err.name : 'error');
}

function send(msg: FromJob): void {
  if (!process.connected) return;
  try {
    process.send!(msg);
  } catch {
    // a value that cannot be cloned: send it as JSON, or a log line without its metadata
    process.send!(
      msg.type === 'log'
        ? { ...msg, lines: msg.lines.map(cloneable) }
        : (JSON.parse(JSON.stringify(msg)) as FromJob),
    );
  }
}

function cloneable(line: LogLine): LogLine {
  try {
    structuredClone(line.meta);
    return line;
  } catch {
    try {
      return JSON.parse(JSON.stringify(line)) as LogLine;
    } catch {
      return { ...line, meta: {} };
    }
  }
}

/**
 * Log lines travel in batches: a line written when none is waiting goes at once (a lone line is never held
 * back by the work after it); lines written before the next turn of the event loop follow as one message.
 * OS2sync in stub mode writes ~33,000 lines on L: one IPC message each cost ≈0.4 s of CPU (job and runner).
 */
const MAX_BATCH = 500;
let batch: LogLine[] = [];
let batchScheduled = false;

function flushLogs(): void {
  if (batch.length === 0) return;
  const lines = batch;
  batch = [];
  send({ type: 'log', lines });
}

function queueLog(line: LogLine): void {
  if (!batchScheduled) {
    batchScheduled = true;
    setImmediate(() => {
      batchScheduled = false;
      flushLogs();
    });
    send({ type: 'log', lines: [line] });
    return;
  }
  if (batch.push(line) >= MAX_BATCH) flushLogs();
}

/** Sends the last message, then exits once it is written (log lines sent before it arrive first). */
function finish(msg: FromJob, code: number): void {
  if (!process.connected) process.exit(code);
  flushLogs();
  process.send!(msg, undefined, undefined, () => process.exit(code));
}

const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');
const SPLAT = Symbol.for('splat');

/** Forwards every line to the runner, which tags it with the job, redacts it and writes it. */
class ChannelTransport extends Transport {
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const { level, message, [LEVEL]: _l, [MESSAGE]: _m, [SPLAT]: _s, ...meta } = info;
    queueLog({ level: String(level), message: String(message), meta });
    next();
  }
}

/** ctx.progress: at most one message per 100 ms (jobs may report every row), the last one always arrives. */
function progressSender(): { report: JobContext['progress']; flush(): void } {
  let lastSent = 0;
  let pending: FromJob | undefined;
  const flush = () => {
    flushLogs(); // the lines written before this progress arrive before it
    if (pending) send(pending);
    pending = undefined;
  };
  return {
    report(done, total, what) {
      pending = { type: 'progress', done, total, what };
      const now = Date.now();
      if (now - lastSent >= 100 || (total !== undefined && done >= total)) {
        lastSent = now;
        flush();
      }
    },
    flush,
  };
}

async function start(msg: StartMessage): Promise<void> {
  const logger = winston.createLogger({ level: 'debug', transports: [new ChannelTransport()] });
  const progress = progressSender();
  const ctx: JobContext = {
    runId: msg.runId,
    runStartedAt: msg.runStartedAt,
    jobName: msg.jobName,
    settings: new Settings(msg.settings.raw, msg.settings.source),
    logger,
    signal: controller.signal,
    paths: msg.paths,
    dryRun: msg.dryRun,
    verbose: msg.verbose,
    progress: progress.report,
    env: msg.env,
    prerequisitesRanThisRun: msg.prerequisitesRanThisRun,
    succeededThisRun: msg.succeededThisRun,
  };
  let result: JobResult | undefined;
  try {
    const mod = (await import(msg.module)) as Record<string, unknown>;
    const run = mod[msg.export];
    if (typeof run !== 'function') throw new Error(`${msg.module} has no function ${msg.export}`);
    result = (await (run as (c: JobContext) => Promise<JobResult>)(ctx)) ?? undefined;
  } catch (err) {
    progress.flush();
    finish({ type: 'error', message: firstLine(err), crash: false, ...usage() }, 1);
    return;
  }
  progress.flush();
  finish({ type: 'result', result, ...usage() }, 0);
}

const crash = (err: unknown) =>
  finish({ type: 'error', message: firstLine(err), crash: true, ...usage() }, 70);
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// the runner decides when the job stops: it relays SIGINT/SIGTERM as an abort message, then SIGKILLs
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// the runner is gone: nothing would read the result
process.on('disconnect', () => process.exit(71));
process.on('message', (msg: ToJob) => {
  if (msg.type === 'start') void start(msg);
  else if (msg.type === 'abort') controller.abort(msg.reason);
});
