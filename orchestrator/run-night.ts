/**
 * One run: plan, lock, history, logs, execute, observers. The CLI `run`, the demo and the scheduler all
 * call `runJobs`. Settings problems of the runner and the plan stop the run before anything starts (exit 2);
 * a job with invalid settings of its own fails at once and the rest of the night goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition, JobPaths, JobStatus } from './job.js';
import type { JobRecord, RunObserver, RunStatus, RunSummary, RunTrigger } from './events.js';
import type { Settings } from './settings-store.js';
import { buildPlan, type Plan } from './plan.js';
import { executePlan, errorLine } from './execute.js';
import { openHistory, runIdFor, type History, type RunKind, type RunRow } from './history.js';
import { historyObserver } from './history-observer.js';
import { acquireLock, liveHolder } from './lock.js';
import { createRunLogger } from './logging.js';
import { makeRedactor, secretValues } from './redact.js';
import { progressSink } from './progress.js';
import { diskError, type Problem, SettingsProblemsError } from './errors.js';
import { removeLiveTemps } from './atomic-write.js';
import { checkTrust, jobProblems, runnerProblems } from './settings.js';
import { prepareStateDir } from './state-dir.js';
import { allSpecs } from './all-jobs.js';
import { defaultObservers } from './observers.js';
import { historyPath, stateDirOf } from './state-paths.js';
import {
  alwaysSecretKeyPattern,
  concurrencySpec,
  jobMemorySpec,
  jobTimeoutMs,
  keepDaysSpec,
  killGraceSpec,
} from './runner-settings.js';
import { timeZoneOf } from './status-table.js';
import { displayTime } from './zoned-time.js';
import { coloursFor } from './terminal/colour.js';
import { LiveLines } from './terminal/live-lines.js';

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

/**
 * What `--resume` reruns: the jobs of the last night (scheduled or a full `run`, never a rerun of some jobs)
 * that failed, timed out, were cancelled or skipped, less those that have succeeded in a run since.
 */
export function resumeSelection(history: History): {
  night?: RunRow;
  jobs: string[];
  /** Unfinished in the night but succeeded in a later run. */
  doneSince: string[];
} {
  const night = history.lastNight();
  if (!night) return { jobs: [], doneSince: [] };
  const since = history.succeededSince(night.started);
  const unfinished = history
    .jobsOfRun(night.id)
    .filter((j) => resumable.includes(j.status))
    .map((j) => j.name);
  return {
    night,
    jobs: unfinished.filter((n) => !since.has(n)),
    doneSince: unfinished.filter((n) => since.has(n)),
  };
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

function jobPathsOf(opts: RunJobsOptions, stateDir: string, runLogs = path.join(stateDir, 'logs')): JobPaths {
  return { root: path.resolve(opts.root), state: stateDir, cache: path.join(stateDir, 'cache'), runLogs };
}

/**
 * A rerun of named jobs in which every job has a settings problem would only record failures: refuse it
 * before anything runs (exit 2), as `check` would. In a whole night such a job fails and the rest runs.
 */
async function refuseIfNothingCanStart(plan: Plan, settings: Settings, paths: JobPaths): Promise<void> {
  if (plan.nodes.length === 0) return;
  const problems: Problem[] = [];
  for (const node of plan.nodes) {
    const own = await jobProblems(settings, node.def, paths);
    if (own.length === 0) return;
    problems.push(...own);
  }
  throw new SettingsProblemsError(problems);
}

export async function runJobs(opts: RunJobsOptions): Promise<RunSummary> {
  try {
    return await startRun(opts);
  } catch (err) {
    // a job's own write errors fail that job; a full disk under the runner's bookkeeping stops the run (exit 2)
    let stateDir: string | undefined;
    try {
      stateDir = stateDirOf(opts.settings);
    } catch {
      // an invalid runner.state_dir is already the error being thrown
    }
    throw diskError(err, stateDir) ?? err;
  }
}

async function startRun(opts: RunJobsOptions): Promise<RunSummary> {
  const { settings } = opts;
  const problems = runnerProblems(settings, opts.jobs);
  if (problems.length) throw new SettingsProblemsError(problems);
  const stateDir = stateDirOf(settings);
  checkTrust([...(fs.existsSync(settings.source) ? [settings.source] : []), stateDir]);
  prepareStateDir(stateDir);

  const history = openHistory(historyPath(stateDir));
  try {
    const holder = liveHolder(stateDir);
    for (const id of history.closeAbandonedRuns((runId) => holder?.runId === runId, new Date())) {
      process.stderr.write(
        `warning: run ${id} was left unfinished by a runner whose lock is gone; marked cancelled\n`,
      );
    }
    const timeZone = timeZoneOf(settings);
    let select = opts.select ?? [];
    let resumes: string | undefined;
    if (opts.resume) {
      const say = (line: string) => {
        if (opts.console !== false) process.stdout.write(line + '\n');
      };
      const r = resumeSelection(history);
      const night = r.night
        ? `run ${r.night.id} (night, ${r.night.trigger}, started ${displayTime(new Date(r.night.started), timeZone)}, ${r.night.status})`
        : '';
      if (!r.night)
        say('nothing to resume: no night has finished yet (only a full run or a scheduled one is resumed)');
      else if (r.jobs.length === 0)
        say(
          `nothing to resume: ${night} has no failed, timed out, cancelled or skipped jobs` +
            (r.doneSince.length ? ` left (${r.doneSince.join(', ')} succeeded since)` : ''),
        );
      if (r.jobs.length === 0) return emptySummary(opts.trigger, path.join(stateDir, 'logs'));
      say(
        `resuming ${night}: ${r.jobs.join(', ')}` +
          (r.doneSince.length ? ` (${r.doneSince.join(', ')} succeeded since)` : ''),
      );
      select = r.jobs;
      resumes = r.night!.id;
    }
    const plan: Plan = buildPlan(opts.jobs, settings, { select, withDeps: opts.withDeps ?? false });
    const kind: RunKind = opts.resume ? 'resume' : plan.full ? 'night' : 'jobs';
    if (select.length && !opts.resume)
      await refuseIfNothingCanStart(plan, settings, jobPathsOf(opts, stateDir));

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
      timeZone,
    );
    const cleanup = () => {
      history.interruptRun(runId, new Date(), 'the runner exited at once on a second signal');
      lock.release();
    };
    exitCleanups.add(cleanup);
    try {
      return await runLocked(
        { ...opts, signal },
        {
          plan,
          history,
          stateDir,
          runId,
          startedAt,
          timeZone,
          kind,
          selection: kind === 'jobs' ? select : [],
          resumes,
        },
      );
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
  r: {
    plan: Plan;
    history: History;
    stateDir: string;
    runId: string;
    startedAt: Date;
    timeZone: string;
    kind: RunKind;
    selection: string[];
    resumes?: string;
  },
): Promise<RunSummary> {
  const { settings } = opts;
  const { plan, history, stateDir, runId, startedAt, timeZone } = r;
  const logDir = path.join(stateDir, 'logs', runId);
  const envSecrets = Object.entries(opts.env)
    .filter(([name, v]) => alwaysSecretKeyPattern.test(name) && typeof v === 'string' && v.length >= 4)
    .map(([, v]) => v!);
  const redact = makeRedactor(
    [...new Set([...secretValues(settings, allSpecs(opts.jobs)), ...envSecrets])].sort(
      (a, b) => b.length - a.length,
    ),
  );
  const toConsole = opts.console !== false;
  const colours = coloursFor(process.stdout, opts.env);
  const live = toConsole && process.stdout.isTTY === true ? new LiveLines(process.stdout) : undefined;
  const runLog = createRunLogger({
    runId,
    dir: logDir,
    redact,
    console: toConsole,
    verbose: opts.verbose ?? false,
    timeZone,
    colours,
    live,
  });
  const logger = runLog.logger;
  const observers: RunObserver[] = [
    historyObserver(history, {
      logDir,
      dryRun: opts.dryRun ?? false,
      kind: r.kind,
      selection: r.selection,
      resumes: r.resumes,
    }),
  ];
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
    `run ${runId} (${r.kind}, ${opts.trigger}${opts.dryRun ? ', dry run' : ''}): ${names.length} jobs: ${names.join(', ') || 'none'}`,
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
  const paths = jobPathsOf(opts, stateDir, logDir);
  fs.mkdirSync(paths.cache, { recursive: true, mode: 0o700 });
  const sinks = new Map<string, ReturnType<typeof progressSink>>();
  const succeeded: string[] = [];

  const records = await executePlan({
    plan,
    concurrency: settings.value(concurrencySpec),
    timeoutFor: (def) => jobTimeoutMs(settings, def),
    signal: opts.signal,
    logger,
    settleMs: settings.value(killGraceSpec) + 1000,
    isolation: { memoryMb: settings.value(jobMemorySpec), killGraceMs: settings.value(killGraceSpec) },
    problemsOf: (def) => jobProblems(settings, def, paths),
    // p-graph starts the job with the longest remaining chain first; weigh jobs by their last duration
    priorityOf: (name) => Math.max(1, Math.round((history.lastJobRun(name)?.durationMs ?? 1000) / 1000)),
    logPathOf: (name) => runLog.jobFiles.pathFor(name),
    makeContext: (node, signal) => {
      const jobLogger = logger.child({ job: node.name });
      const sink = progressSink(jobLogger, node.name, { live, colours });
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
        succeededThisRun: [...succeeded],
      };
    },
    onJobStart: (job) => notify(`start of ${job.name}`, (o) => o.onJobStart?.(runId, job)),
    onJobEnd: async (job) => {
      if (job.status === 'succeeded') succeeded.push(job.name);
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
