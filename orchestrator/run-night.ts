/**
 * One run: plan, lock, history, logs, execute, observers. The CLI `run`, the demo and the scheduler all
 * call `runJobs`. Settings problems of the runner and the plan stop the run before anything starts (exit 2);
 * a job with invalid settings of its own fails at once and the rest of the night goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition, JobStatus } from './job.js';
import type { JobRecord, RunObserver, RunStatus, RunSummary, RunTrigger } from './events.js';
import type { Settings } from './settings-store.js';
import { buildPlan, type Plan } from './plan.js';
import { executePlan, errorLine } from './execute.js';
import { openHistory, runIdFor, type History } from './history.js';
import { historyObserver } from './history-observer.js';
import { acquireLock, liveHolder } from './lock.js';
import { createRunLogger } from './logging.js';
import { makeRedactor, secretValues } from './redact.js';
import { progressSink } from './progress.js';
import { SettingsProblemsError } from './errors.js';
import { removeLiveTemps } from './atomic-write.js';
import { checkTrust, jobSettingProblems, runnerProblems } from './settings.js';
import { allSpecs } from './all-jobs.js';
import { defaultObservers } from './observers.js';
import { historyPath, stateDirOf } from './state-paths.js';
import {
  alwaysSecretKeyPattern,
  concurrencySpec,
  jobTimeoutMs,
  keepDaysSpec,
  killGraceSpec,
} from './runner-settings.js';

export interface RunJobsOptions {
  settings: Settings;
  jobs: readonly JobDefinition[];
  /** Job or stage names; absent/empty = the whole night. */
  select?: string[];
  withDeps?: boolean;
  /** Rerun exactly what failed, timed out, was cancelled or skipped in the last run. */
  resume?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  trigger: RunTrigger;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
  observers?: RunObserver[];
  /** Log to the console (default true). */
  console?: boolean;
  env: Record<string, string | undefined>;
  /** Repository root: working directory of command jobs, base of relative paths. */
  root: string;
  /** Heartbeat period of the run lock's lease (default 30 s). */
  lockRenewMs?: number;
}

/** What a runner exiting at once must still do, synchronously (record the run, release the lock). */
const exitCleanups = new Set<() => void>();

/**
 * For a second signal: records every run of this process as cancelled (exit 130, no job left `running`),
 * releases their locks and removes the temp files being written. The caller exits right after.
 */
export function cleanUpBeforeExit(): void {
  for (const fn of [...exitCleanups]) {
    try {
      fn();
    } catch (err) {
      process.stderr.write(`warning: cleanup before exit failed: ${errorLine(err)}\n`);
    }
  }
  removeLiveTemps();
}

const resumable: JobStatus[] = ['failed', 'timed_out', 'cancelled', 'skipped'];

export { stateDirOf, historyPath };

function exitCodeOf(records: JobRecord[], cancelled: boolean): { code: number; status: RunStatus } {
  if (cancelled) return { code: 130, status: 'cancelled' };
  const bad = records.some((r) => r.status !== 'succeeded' && r.status !== 'disabled');
  return bad ? { code: 1, status: 'failed' } : { code: 0, status: 'succeeded' };
}

export function pruneOld(history: History, stateDir: string, keepDays: number): string[] {
  const cutoff = new Date(Date.now() - keepDays * 86_400_000);
  const dirs = history.pruneRuns(cutoff);
  const logsRoot = path.join(stateDir, 'logs');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  if (fs.existsSync(logsRoot)) {
    for (const name of fs.readdirSync(logsRoot)) {
      const p = path.join(logsRoot, name);
      if (fs.statSync(p).mtimeMs < cutoff.getTime()) fs.rmSync(p, { recursive: true, force: true });
    }
  }
  return dirs;
}

function resumeSelection(history: History): string[] {
  const last = history.lastFinishedRun();
  if (!last) return [];
  return history
    .jobsOfRun(last.id)
    .filter((j) => resumable.includes(j.status))
    .map((j) => j.name);
}

function emptySummary(trigger: RunTrigger, logDir: string): RunSummary {
  const now = new Date();
  return {
    runId: '',
    trigger,
    status: 'succeeded',
    startedAt: now,
    finishedAt: now,
    exitCode: 0,
    jobs: [],
    logDir,
  };
}

export async function runJobs(opts: RunJobsOptions): Promise<RunSummary> {
  const { settings } = opts;
  const problems = runnerProblems(settings, opts.jobs);
  if (problems.length) throw new SettingsProblemsError(problems);
  const stateDir = stateDirOf(settings);
  checkTrust([...(fs.existsSync(settings.source) ? [settings.source] : []), stateDir]);
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.accessSync(stateDir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorLine(err);
    throw new SettingsProblemsError([
      { key: 'runner.state_dir', message: `cannot use ${stateDir} (${code})` },
    ]);
  }

  const history = openHistory(historyPath(stateDir));
  try {
    const holder = liveHolder(stateDir);
    for (const id of history.closeAbandonedRuns((runId) => holder?.runId === runId, new Date())) {
      process.stderr.write(
        `warning: run ${id} was left unfinished by a runner whose lock is gone; marked cancelled\n`,
      );
    }
    let select = opts.select ?? [];
    if (opts.resume) {
      select = resumeSelection(history);
      if (select.length === 0) {
        if (opts.console !== false)
          process.stdout.write(
            'nothing to resume: the last run has no failed, timed out, cancelled or skipped jobs\n',
          );
        return emptySummary(opts.trigger, path.join(stateDir, 'logs'));
      }
    }
    const plan: Plan = buildPlan(opts.jobs, settings, { select, withDeps: opts.withDeps ?? false });

    const startedAt = new Date();
    const runId = runIdFor(startedAt);
    const selected = new Set(plan.nodes.map((n) => n.name));
    const lost = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, lost.signal]) : lost.signal;
    const lock = acquireLock(
      stateDir,
      runId,
      (msg) => process.stderr.write(`warning: ${msg}\n`),
      (holder) => {
        const busy = history.runningJobs(holder.runId).filter((j) => selected.has(j.name));
        return busy.length
          ? `${busy.map((j) => j.name).join(', ')} is running now in run ${holder.runId}`
          : '';
      },
      {
        // another runner took the lease (ours expired): two nights must not write the same files
        onLost: (msg) => {
          process.stderr.write(`error: ${msg}; cancelling this run\n`);
          lost.abort();
        },
        ...(opts.lockRenewMs !== undefined ? { renewMs: opts.lockRenewMs } : {}),
      },
    );
    const cleanup = () => {
      history.interruptRun(runId, new Date(), 'the runner exited at once on a second signal');
      lock.release();
    };
    exitCleanups.add(cleanup);
    try {
      return await runLocked({ ...opts, signal }, { plan, history, stateDir, runId, startedAt });
    } finally {
      exitCleanups.delete(cleanup);
      lock.release();
    }
  } finally {
    history.close();
  }
}

async function runLocked(
  opts: RunJobsOptions,
  r: { plan: Plan; history: History; stateDir: string; runId: string; startedAt: Date },
): Promise<RunSummary> {
  const { settings } = opts;
  const { plan, history, stateDir, runId, startedAt } = r;
  const logDir = path.join(stateDir, 'logs', runId);
  const envSecrets = Object.entries(opts.env)
    .filter(([name, v]) => alwaysSecretKeyPattern.test(name) && typeof v === 'string' && v.length >= 4)
    .map(([, v]) => v!);
  const redact = makeRedactor(
    [...new Set([...secretValues(settings, allSpecs(opts.jobs)), ...envSecrets])].sort(
      (a, b) => b.length - a.length,
    ),
  );
  const tty = process.stdout.isTTY === true && opts.console !== false;
  const runLog = createRunLogger({
    runId,
    dir: logDir,
    redact,
    console: opts.console !== false,
    verbose: opts.verbose ?? false,
    tty,
  });
  const logger = runLog.logger;
  const observers: RunObserver[] = [historyObserver(history, { logDir, dryRun: opts.dryRun ?? false })];
  try {
    observers.push(...defaultObservers(settings, logger));
  } catch (err) {
    logger.warn(`observers could not be set up: ${errorLine(err)}`);
  }
  observers.push(...(opts.observers ?? []));
  const notify = async (what: string, fn: (o: RunObserver) => void | Promise<void>) => {
    for (const o of observers) {
      try {
        await fn(o);
      } catch (err) {
        logger.warn(`observer failed on ${what}: ${errorLine(err)}`);
      }
    }
  };

  const pruned = pruneOld(history, stateDir, settings.value(keepDaysSpec));
  if (pruned.length)
    logger.debug(`retention: removed ${pruned.length} runs older than ${settings.value(keepDaysSpec)} days`);

  const names = plan.nodes.map((n) => n.name);
  logger.info(
    `run ${runId} (${opts.trigger}${opts.dryRun ? ', dry run' : ''}): ${names.length} jobs: ${names.join(', ') || 'none'}`,
  );
  for (const { job, need } of plan.outsideNeeds) {
    const last = history.lastJobRun(need);
    if (!last || last.status !== 'succeeded') {
      logger.warn(
        `${job} needs ${need}, whose last run ${last ? `${last.status} (run ${last.runId})` : 'never happened'}; running ${job} anyway`,
      );
    }
  }
  await notify('run start', (o) => o.onRunStart?.({ runId, trigger: opts.trigger, startedAt, jobs: names }));
  // rows in plan order, so `status` lists jobs in that order and shows what is still pending
  for (const n of plan.nodes) history.recordJob(runId, { name: n.name, stage: n.stage, status: 'pending' });

  const outside = new Set(plan.outsideNeeds.map((o) => o.job));
  const root = path.resolve(opts.root);
  const paths = { root, state: stateDir, cache: path.join(stateDir, 'cache'), runLogs: logDir };
  fs.mkdirSync(paths.cache, { recursive: true, mode: 0o700 });
  const sinks = new Map<string, ReturnType<typeof progressSink>>();

  const records = await executePlan({
    plan,
    concurrency: settings.value(concurrencySpec),
    timeoutFor: (def) => jobTimeoutMs(settings, def),
    signal: opts.signal,
    logger,
    settleMs: settings.value(killGraceSpec) + 1000,
    problemsOf: (def) => jobSettingProblems(settings, def),
    // p-graph starts the job with the longest remaining chain first; weigh jobs by their last duration
    priorityOf: (name) => Math.max(1, Math.round((history.lastJobRun(name)?.durationMs ?? 1000) / 1000)),
    logPathOf: (name) => runLog.jobFiles.pathFor(name),
    makeContext: (node, signal) => {
      const jobLogger = logger.child({ job: node.name });
      const sink = progressSink(jobLogger, node.name, { tty });
      sinks.set(node.name, sink);
      return {
        runId,
        runStartedAt: startedAt,
        jobName: node.name,
        settings,
        logger: jobLogger,
        signal,
        paths,
        dryRun: opts.dryRun ?? false,
        verbose: opts.verbose ?? false,
        progress: (done, total, what) => sink.report(done, total, what),
        env: opts.env,
        prerequisitesRanThisRun: !outside.has(node.name),
      };
    },
    onJobStart: (job) => notify(`start of ${job.name}`, (o) => o.onJobStart?.(runId, job)),
    onJobEnd: async (job) => {
      sinks.get(job.name)?.end();
      runLog.jobFiles.closeJob(job.name);
      if (job.message) job.message = redact(job.message);
      await notify(`end of ${job.name}`, (o) => o.onJobEnd?.(runId, job));
    },
  });
  for (const rec of records) if (rec.message) rec.message = redact(rec.message);

  const disabled: JobRecord[] = plan.disabled.map((d) => ({
    name: d.name,
    stage: d.stage,
    status: 'disabled',
    returnCode: 0,
  }));
  for (const d of disabled) history.recordJob(runId, d);
  const { code, status } = exitCodeOf(records, opts.signal?.aborted === true);
  const summary: RunSummary = {
    runId,
    trigger: opts.trigger,
    status,
    startedAt,
    finishedAt: new Date(),
    exitCode: code,
    jobs: [...records, ...disabled],
    logDir,
  };
  const counts = records.reduce<Record<string, number>>(
    (acc, rec) => ((acc[rec.status] = (acc[rec.status] ?? 0) + 1), acc),
    {},
  );
  logger.info(
    `run ${runId} ${status} (exit ${code}): ${
      Object.entries(counts)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'no jobs'
    }; logs in ${logDir}`,
  );
  await notify('run end', (o) => o.onRunEnd?.(summary));
  await new Promise((resolve) => setImmediate(resolve));
  await runLog.close();
  return summary;
}
