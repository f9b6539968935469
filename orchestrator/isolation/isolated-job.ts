/**
 * Runs a built-in job in a child process of its own (`job-process.ts`), proxying the JobContext over the IPC
 * channel: log lines go to ctx.logger (so redaction, the job log, run.jsonl and the console are unchanged),
 * progress to ctx.progress, and ctx.signal becomes an `abort` message followed by SIGKILL after the grace
 * period. The heap limit is the child's `--max-old-space-size`. The promise settles only when the process
 * has exited, so a job that ignores its signal is really gone once it settles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { IsolatedModule, JobContext, JobResult } from '../job.js';
import { compiledTwin, useCompiledTwins } from './compiled-twin.js';
import type { FromJob, ProcessUsage, StartMessage } from './messages.js';

export interface IsolationOptions {
  /** Heap limit of the job's process in MB (`runner.job_memory_mb`). */
  memoryMb: number;
  /** Time between the abort message and SIGKILL (`runner.kill_grace`). */
  killGraceMs: number;
}

/** What the job's process reported it used when it ended (nothing if it was killed or crashed hard). */
export type IsolatedUsage = Partial<ProcessUsage>;

/** Error of an isolated job; `reason` says how it ended. */
export class IsolatedJobError extends Error {
  constructor(
    message: string,
    readonly reason: 'threw' | 'crashed' | 'out_of_memory' | 'exited',
  ) {
    super(message);
    this.name = 'IsolatedJobError';
  }
}

const entry = fileURLToPath(
  new URL(`./job-process${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** The loader flags (tsx under development and tests) the job process needs to load modules the same way. */
export function loaderArgs(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (['--import', '--require', '--loader', '-r'].includes(a) && execArgv[i + 1])
      out.push(a, execArgv[++i]!);
    else if (/^--(import|require|loader)=/.test(a)) out.push(a);
  }
  return out;
}

/** The variable naming a directory where each job's process writes a V8 CPU profile (a developer's aid). */
export const CPU_PROFILE_DIR_ENV = 'JOB_RUNNER_CPU_PROFILE_DIR';

/**
 * `--cpu-prof` for each job's process when JOB_RUNNER_CPU_PROFILE_DIR is set. Node refuses `--cpu-prof` in
 * NODE_OPTIONS, so without this a job's own process cannot be profiled.
 */
export function profilerArgs(env: Record<string, string | undefined> = process.env): string[] {
  const dir = env[CPU_PROFILE_DIR_ENV];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** What the job's process runs: the entry, the job's module and the loader flags (none for dist's copies). */
export function jobProcessCommand(
  impl: IsolatedModule,
  fromDist = useCompiledTwins(),
): { entry: string; module: string; execArgv: string[] } {
  if (!fromDist) return { entry, module: impl.module, execArgv: loaderArgs() };
  return { entry: compiledTwin(entry), module: compiledTwin(impl.module), execArgv: [] };
}

/** The old generation grows to at most twice what survived the last full GC (see JOB_PROCESS_V8_FLAGS). */
export const HEAP_GROWTH_CAP = '--heap-growing-percent=100';

/**
 * V8 flags of every job's process.
 * - Single-threaded GC: a night runs more job processes than cores, so V8's parallel GC helper threads only
 *   compete with the other jobs. Measured on fixture L on 2 cores: the snapshot build used 2.35 s of CPU
 *   instead of 2.48 s (and 2.3 s instead of 2.5 s on one core).
 * - The old generation grows to at most twice what survived the last full GC. V8 otherwise picks a factor of
 *   up to 4 when the heap limit is 1 GB or more (`runner.job_memory_mb`, default 2048), so the same job could
 *   peak at 290 MB one night and 470 MB the next (exports_os2sync's first night on L, 3 of 13 runs). With the
 *   factor fixed at 2 it peaked at 247-255 MB in 13 of 13, with the same CPU time.
 */
export const JOB_PROCESS_V8_FLAGS: readonly string[] = ['--single-threaded-gc', HEAP_GROWTH_CAP];

const OOM = /heap out of memory|Reached heap limit|Allocation failed/i;

/** Job processes alive now: SIGKILLed if the runner exits first (e.g. a second Ctrl-C), even mid busy loop. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export function runIsolated(
  impl: IsolatedModule,
  ctx: JobContext,
  opts: IsolationOptions,
  onUsage?: (usage: IsolatedUsage) => void,
): Promise<JobResult | undefined> {
  ctx.signal.throwIfAborted();
  let command: ReturnType<typeof jobProcessCommand>;
  try {
    command = jobProcessCommand(impl);
  } catch (err) {
    return Promise.reject(new IsolatedJobError((err as Error).message, 'exited'));
  }
  const child = fork(command.entry, [], {
    execArgv: [
      ...command.execArgv,
      ...JOB_PROCESS_V8_FLAGS,
      ...profilerArgs(),
      `--max-old-space-size=${opts.memoryMb}`,
    ],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  track(child);
  const stderrTail: string[] = [];
  const pipe = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') =>
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (!line.trim()) return;
      if (name === 'stderr' && stderrTail.push(line) > 20) stderrTail.shift();
      ctx.logger.debug(line, { stream: name });
    });
  pipe(child.stdout!, 'stdout');
  pipe(child.stderr!, 'stderr');

  let last: FromJob | undefined;
  child.on('message', (msg: FromJob) => {
    if (msg.type === 'log') for (const l of msg.lines) ctx.logger.log(l.level, l.message, l.meta);
    else if (msg.type === 'progress') ctx.progress(msg.done, msg.total, msg.what);
    else last = msg;
  });

  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    // a send that fails (the process is ending) must not become an 'error' event: the kill follows anyway
    if (child.connected) child.send({ type: 'abort', reason: ctx.signal.reason }, () => {});
    killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  const start: StartMessage = {
    type: 'start',
    module: command.module,
    export: impl.export ?? 'run',
    runId: ctx.runId,
    runStartedAt: ctx.runStartedAt,
    jobName: ctx.jobName,
    settings: { raw: { ...ctx.settings.raw }, source: ctx.settings.source },
    paths: ctx.paths,
    dryRun: ctx.dryRun,
    verbose: ctx.verbose,
    env: { ...ctx.env },
    prerequisitesRanThisRun: ctx.prerequisitesRanThisRun,
    succeededThisRun: [...ctx.succeededThisRun],
  };
  child.send(start, () => {}); // if it cannot be sent, the process ends without a result (reported below)

  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new IsolatedJobError(`could not start the job's process: ${err.message}`, 'exited'));
    });
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (last?.type === 'result' || last?.type === 'error')
        onUsage?.({ peakRssMb: last.peakRssMb, cpuMs: last.cpuMs });
      else onUsage?.({});
      if (last?.type === 'result') return resolve(last.result);
      if (last?.type === 'error')
        return reject(
          new IsolatedJobError(
            last.crash ? `crashed: ${last.message}` : last.message,
            last.crash ? 'crashed' : 'threw',
          ),
        );
      if (stderrTail.some((l) => OOM.test(l)))
        return reject(
          new IsolatedJobError(
            `out of memory: the job needed more than runner.job_memory_mb (${opts.memoryMb} MB)`,
            'out_of_memory',
          ),
        );
      reject(
        new IsolatedJobError(
          `the job's process ended before the job finished (${signal ? `killed by ${signal}` : `exit code ${code}`})`,
          'exited',
        ),
      );
    });
  });
}
