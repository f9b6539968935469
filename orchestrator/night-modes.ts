/**
 * The night split into processes (docs/kubernetes.md, specs/hosting.md §5): `night begin` takes the run lock
 * and records the run, `task JOB` runs one job of it, `night end` closes it. Each is a separate process (an
 * Argo pod), sharing the state dir: one run in history.sqlite, one log tree `logs/{runId}/`, the same statuses,
 * messages and exit codes as an in-process `run`.
 *
 * The run lock of a split night is a detached lease: `night begin` exits while the night goes on, so only its
 * expiry ends it (start + the night's deadline), never the PID or the host. Each task holds a per-job lease of
 * its own for as long as it runs (PID and heartbeat, like the in-process lock).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition, JobStatus } from './job.js';
import type { JobRecord, RunObserver, RunSummary } from './events.js';
import type { Settings } from './settings-store.js';
import { buildPlan, type Plan, type PlanNode } from './plan.js';
import { errorLine, executePlan, returnCodes } from './execute.js';
import { openHistory, type History, type JobRunRow } from './history.js';
import { lockPath } from './lock.js';
import { acquireLease, describeHolder, inspectLease, releaseLeaseOfRun, type LeaseHolder } from './lease.js';
import { createRunLogger, type RunLogger } from './logging.js';
import { makeRedactor, secretValues, type Redactor } from './redact.js';
import { progressSink } from './progress.js';
import { LockHeldError, SettingsProblemsError, UsageError } from './errors.js';
import { checkTrust, jobProblems, runnerProblems } from './settings.js';
import { allSpecs } from './all-jobs.js';
import { defaultObservers } from './observers.js';
import { historyPath, stateDirOf } from './state-paths.js';
import { pruneOld } from './run-night.js';
import { municipalityNameSpec } from './notify/settings.js';
import {
  alwaysSecretKeyPattern,
  jobMemorySpec,
  jobTimeoutMs,
  keepDaysSpec,
  killGraceSpec,
} from './runner-settings.js';
import { timeZoneOf } from './status-table.js';
import { coloursFor } from './terminal/colour.js';
import { LiveLines } from './terminal/live-lines.js';

export interface NightModeOptions {
  settings: Settings;
  jobs: readonly JobDefinition[];
  runId: string;
  env: Record<string, string | undefined>;
  /** Repository root: working directory of command jobs. */
  root: string;
  /** Log to the console (default true). */
  console?: boolean;
  verbose?: boolean;
}

/** Margin on the run lock's expiry for `night begin` and `night end` themselves. */
const NIGHT_MARGIN_MS = 10 * 60_000;
/** Argo's backstop on top of a job's timeout (render.ts: activeDeadlineSeconds = timeout + grace + 60 s). */
const TASK_BACKSTOP_MS = 60_000;

/**
 * How long a night may take: the longest chain of the plan (needs and after edges), each job weighted with its
 * timeout + kill grace + Argo's 60 s backstop, plus 10 min for begin and end. No chain can legitimately run
 * longer, so a lease that outlives this belongs to a night that is gone.
 */
export function nightDeadlineMs(plan: Plan, settings: Settings): number {
  const grace = settings.value(killGraceSpec);
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  const memo = new Map<string, number>();
  const chain = (n: PlanNode): number => {
    const known = memo.get(n.name);
    if (known !== undefined) return known;
    const before = [...n.needs, ...n.after].map((p) => byName.get(p)).filter((p): p is PlanNode => !!p);
    const own = jobTimeoutMs(settings, n.def) + grace + TASK_BACKSTOP_MS;
    const total = own + Math.max(0, ...before.map(chain));
    memo.set(n.name, total);
    return total;
  };
  return Math.max(0, ...plan.nodes.map(chain)) + NIGHT_MARGIN_MS;
}

/** Run ids name a log directory and come from `{{workflow.name}}`: a DNS-1123-ish word. */
function checkRunId(runId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(runId))
    throw new UsageError(`--run-id must be letters, digits, '.', '_' or '-' (at most 100), not "${runId}"`);
}

interface NightState {
  stateDir: string;
  history: History;
  plan: Plan;
  logDir: string;
}

/** Settings checks of every mode (exit 2 naming the key), then the state dir and history. */
function openNight(o: NightModeOptions): NightState {
  checkRunId(o.runId);
  const { settings } = o;
  const problems = runnerProblems(settings, o.jobs);
  const municipality = settings.has(municipalityNameSpec.key) ? settings.get(municipalityNameSpec.key) : '';
  if (typeof municipality !== 'string' || municipality.trim() === '')
    problems.push({
      key: municipalityNameSpec.key,
      message: 'is required for night/task modes (alerts and metrics name the municipality, not the pod)',
    });
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
  return {
    stateDir,
    history: openHistory(historyPath(stateDir)),
    plan: buildPlan(o.jobs, settings),
    logDir: path.join(stateDir, 'logs', o.runId),
  };
}

function redactorFor(o: NightModeOptions): Redactor {
  const envSecrets = Object.entries(o.env)
    .filter(([name, v]) => alwaysSecretKeyPattern.test(name) && typeof v === 'string' && v.length >= 4)
    .map(([, v]) => v!);
  return makeRedactor(
    [...new Set([...secretValues(o.settings, allSpecs(o.jobs)), ...envSecrets])].sort(
      (a, b) => b.length - a.length,
    ),
  );
}

interface NightLog {
  runLog: RunLogger;
  redact: Redactor;
  colours: ReturnType<typeof coloursFor>;
  live: LiveLines | undefined;
  /** Metrics and e-mail (history is written directly by each mode). */
  observers: RunObserver[];
  notify(what: string, fn: (o: RunObserver) => void | Promise<void>): Promise<void>;
}

function nightLog(o: NightModeOptions, logDir: string): NightLog {
  const redact = redactorFor(o);
  const toConsole = o.console !== false;
  const colours = coloursFor(process.stdout, o.env);
  const live = toConsole && process.stdout.isTTY === true ? new LiveLines(process.stdout) : undefined;
  const runLog = createRunLogger({
    runId: o.runId,
    dir: logDir,
    redact,
    console: toConsole,
    verbose: o.verbose ?? false,
    timeZone: timeZoneOf(o.settings),
    colours,
    live,
  });
  const observers: RunObserver[] = [];
  try {
    observers.push(...defaultObservers(o.settings, runLog.logger));
  } catch (err) {
    runLog.logger.warn(`observers could not be set up: ${errorLine(err)}`);
  }
  const notify = async (what: string, fn: (ob: RunObserver) => void | Promise<void>) => {
    for (const ob of observers) {
      try {
        await fn(ob);
      } catch (err) {
        runLog.logger.warn(`observer failed on ${what}: ${errorLine(err)}`);
      }
    }
  };
  return { runLog, redact, colours, live, observers, notify };
}

async function closeLog(log: NightLog): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await log.runLog.close();
}

/** "prerequisite X failed" / "… did not run": the same words as the in-process executor. */
function prerequisiteMessage(blocker: string, status: JobStatus | undefined): string {
  const st = status ?? 'pending';
  return `prerequisite ${blocker} ${st === 'pending' ? 'did not run' : st.replace('_', ' ')}`;
}

const finalStatuses: JobStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'disabled'];

/**
 * `night begin --run-id ID`: the run lock as a detached lease, the run row (trigger k8s) and the pending rows
 * of the plan, the run-start push. Exit 3 if another run holds the lock. A retried begin of the same run id
 * finds its own lease and row and changes nothing.
 */
export async function beginNight(o: NightModeOptions): Promise<number> {
  const night = openNight(o);
  const { history, plan, stateDir, logDir } = night;
  try {
    const existing = history.getRun(o.runId);
    if (existing?.finished)
      throw new UsageError(
        `run ${o.runId} has already ended (${existing.status}); a new night needs a new id`,
      );
    const deadlineMs = nightDeadlineMs(plan, o.settings);
    const file = lockPath(stateDir);
    const got = acquireLease(file, o.runId, { ttlMs: deadlineMs, renewMs: 0, detached: true });
    const warnings: string[] = [];
    let holder: LeaseHolder | undefined;
    if (got.ok) {
      holder = got.lease.holder;
      if (got.tookOver) warnings.push(`took over a stale lock ${file}: ${got.tookOver}`);
    } else if (got.holder?.runId === o.runId) {
      holder = got.holder; // a retried begin pod: the lease is already ours
    } else {
      const who = got.holder ? describeHolder(got.holder) : (got.note ?? 'unknown holder');
      throw new LockHeldError(`another run holds the lock ${file}: ${who}`);
    }
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);

    const now = new Date();
    for (const id of history.closeAbandonedRuns((runId) => runId === o.runId, now))
      process.stderr.write(
        `warning: run ${id} was left unfinished by a runner whose lock is gone; marked cancelled\n`,
      );
    const log = nightLog(o, logDir);
    try {
      const names = plan.nodes.map((n) => n.name);
      if (existing) {
        log.runLog.logger.info(`night ${o.runId} already begun at ${existing.started}; nothing to do`);
      } else {
        const pruned = pruneOld(history, stateDir, o.settings.value(keepDaysSpec));
        if (pruned.length) log.runLog.logger.debug(`retention: removed ${pruned.length} old runs`);
        history.startRun({
          id: o.runId,
          trigger: 'k8s',
          kind: 'night',
          startedAt: now,
          pid: process.pid,
          logDir,
        });
        log.runLog.logger.info(
          `run ${o.runId} (k8s): ${names.length} jobs: ${names.join(', ') || 'none'}; run lock held until ${holder.expiresAt}`,
        );
        await log.notify('run start', (ob) =>
          ob.onRunStart?.({ runId: o.runId, trigger: 'k8s', startedAt: now, jobs: names }),
        );
      }
      const have = new Set(history.jobsOfRun(o.runId).map((j) => j.name));
      for (const n of plan.nodes)
        if (!have.has(n.name))
          history.recordJob(o.runId, { name: n.name, stage: n.stage, status: 'pending' });
      return 0;
    } finally {
      await closeLog(log);
    }
  } finally {
    history.close();
  }
}

/**
 * The run lock must hold this run id (a live lease), or the task refuses with exit 3. One exception: `argo retry`
 * reruns the failed tasks of a night that `night end` already closed. Then the lock is free and the run ended;
 * the task takes the lock for the run again and reopens it, and the retried `night end` closes it anew.
 */
function requireNightLease(stateDir: string, history: History, o: NightModeOptions): void {
  const runId = o.runId;
  const file = lockPath(stateDir);
  const state = inspectLease(file);
  if (state.kind === 'held' && state.holder?.runId === runId) return;
  const run = history.getRun(runId);
  if (state.kind !== 'held' && run?.finished) {
    const plan = buildPlan(o.jobs, o.settings);
    const got = acquireLease(file, runId, {
      ttlMs: nightDeadlineMs(plan, o.settings),
      renewMs: 0,
      detached: true,
    });
    if (got.ok || got.holder?.runId === runId) {
      if (got.ok) {
        history.reopenRun(runId);
        process.stderr.write(`warning: run ${runId} had ended; reopened for a retried task (argo retry)\n`);
      }
      return;
    }
  }
  const now =
    state.kind === 'free'
      ? 'nobody holds it'
      : state.kind === 'stale'
        ? `its lease is stale (${state.reason})`
        : `it is held by ${state.holder ? describeHolder(state.holder) : (state.note ?? 'another run')}`;
  throw new LockHeldError(`run ${runId} does not hold the run lock ${file}: ${now} (run night begin first)`);
}

const taskExitCodes: Record<JobStatus, number> = { ...returnCodes, skipped: 1, pending: 1, disabled: 0 };

/**
 * `task JOB --run-id ID`: exactly one job of the night, with the in-process executor (log file, run.jsonl,
 * redaction, timeout, settings checks), recorded into the night's history. A prerequisite that did not succeed
 * in this run skips the job (exit 1). Exit 0 / 1 / 124 / 130 as the job ends; 3 if the night's lock is not this
 * run's or the job is running now; 2 for an unknown or disabled job.
 */
export async function runTask(
  o: NightModeOptions & { job: string; signal?: AbortSignal; onCleanup?: (fn: () => void) => void },
): Promise<number> {
  const night = openNight(o);
  const { history, plan, stateDir } = night;
  try {
    const node = plan.nodes.find((n) => n.name === o.job);
    if (!node) {
      throw new UsageError(
        o.jobs.some((j) => j.name === o.job)
          ? `${o.job} is disabled in the settings, so it is not part of the night`
          : `unknown job ${o.job} (see job-runner list)`,
      );
    }
    requireNightLease(stateDir, history, o);
    if (!history.getRun(o.runId))
      throw new LockHeldError(`run ${o.runId} holds the lock but has no run row (run night begin again)`);
    const taskLocks = path.join(stateDir, 'task-locks');
    fs.mkdirSync(taskLocks, { recursive: true, mode: 0o700 });
    const got = acquireLease(path.join(taskLocks, `${o.job}.lock`), o.runId);
    if (!got.ok)
      throw new LockHeldError(
        `${o.job} is running now: ${got.holder ? describeHolder(got.holder) : (got.note ?? 'another task')}`,
      );
    if (got.tookOver) process.stderr.write(`warning: took over a stale lock of ${o.job}: ${got.tookOver}\n`);
    const lease = got.lease;
    try {
      return await runLeasedTask(o, night, node);
    } finally {
      lease.release();
    }
  } finally {
    history.close();
  }
}

async function runLeasedTask(
  o: NightModeOptions & { job: string; signal?: AbortSignal; onCleanup?: (fn: () => void) => void },
  night: NightState,
  node: PlanNode,
): Promise<number> {
  const { history, stateDir, logDir } = night;
  const rows = new Map(history.jobsOfRun(o.runId).map((j) => [j.name, j]));
  const previous = rows.get(o.job);
  if (previous?.status === 'running') {
    // the pod of an earlier attempt died without recording its end (we hold the job's lease now)
    history.recordJob(o.runId, {
      ...recordOf(previous),
      status: 'cancelled',
      message: 'its task ended without recording a result',
    });
  }
  if (previous && previous.status !== 'pending') history.archiveAttempt(o.runId, o.job);

  const log = nightLog(o, logDir);
  const logger = log.runLog.logger;
  try {
    const blocker = node.needs.find((n) => rows.get(n)?.status !== 'succeeded');
    if (blocker) {
      const rec: JobRecord = {
        name: node.name,
        stage: node.stage,
        status: 'skipped',
        returnCode: returnCodes.skipped,
        message: prerequisiteMessage(blocker, rows.get(blocker)?.status),
        logPath: log.runLog.jobFiles.pathFor(node.name),
      };
      logger.child({ job: node.name }).warn(`skipped: ${rec.message}`);
      history.recordJob(o.runId, rec);
      await log.notify(`end of ${node.name}`, (ob) => ob.onJobEnd?.(o.runId, rec));
      return taskExitCodes.skipped;
    }

    let current: JobRecord | undefined;
    o.onCleanup?.(() => {
      if (current && !finalStatuses.includes(current.status))
        history.recordJob(o.runId, {
          ...current,
          status: 'cancelled',
          finishedAt: new Date(),
          message: 'the task exited at once on a second signal',
        });
    });
    const paths = {
      root: path.resolve(o.root),
      state: stateDir,
      cache: path.join(stateDir, 'cache'),
      runLogs: logDir,
    };
    fs.mkdirSync(paths.cache, { recursive: true, mode: 0o700 });
    const runStartedAt = new Date(history.getRun(o.runId)!.started);
    let sink: ReturnType<typeof progressSink> | undefined;
    const [rec] = await executePlan({
      plan: { nodes: [{ ...node, needs: [], after: [] }], outsideNeeds: [], disabled: [], full: false },
      concurrency: 1,
      timeoutFor: (def) => jobTimeoutMs(o.settings, def),
      signal: o.signal,
      logger,
      settleMs: o.settings.value(killGraceSpec) + 1000,
      isolation: { memoryMb: o.settings.value(jobMemorySpec), killGraceMs: o.settings.value(killGraceSpec) },
      problemsOf: (def) => jobProblems(o.settings, def, paths),
      logPathOf: (name) => log.runLog.jobFiles.pathFor(name),
      makeContext: (n, signal) => {
        const jobLogger = logger.child({ job: n.name });
        sink = progressSink(jobLogger, n.name, { live: log.live, colours: log.colours });
        return {
          runId: o.runId,
          runStartedAt,
          jobName: n.name,
          settings: o.settings,
          logger: jobLogger,
          signal,
          paths,
          dryRun: false,
          verbose: o.verbose ?? false,
          progress: (done, total, what) => sink!.report(done, total, what),
          env: o.env,
          prerequisitesRanThisRun: true,
          succeededThisRun: [...rows.values()].filter((j) => j.status === 'succeeded').map((j) => j.name),
        };
      },
      onJobStart: async (job) => {
        current = job;
        history.recordJob(o.runId, job);
        await log.notify(`start of ${job.name}`, (ob) => ob.onJobStart?.(o.runId, job));
      },
      onJobEnd: async (job) => {
        sink?.end();
        log.runLog.jobFiles.closeJob(job.name);
        if (job.message) job.message = log.redact(job.message);
        current = job;
        history.recordJob(o.runId, job);
        await log.notify(`end of ${job.name}`, (ob) => ob.onJobEnd?.(o.runId, job));
      },
    });
    return taskExitCodes[rec!.status];
  } finally {
    // metrics pushes in flight end within their timeout
    for (const ob of log.observers) {
      const flush = (ob as { flush?: () => Promise<void> }).flush;
      if (typeof flush === 'function') await flush.call(ob).catch(() => undefined);
    }
    await closeLog(log);
  }
}

function recordOf(row: JobRunRow): JobRecord {
  return {
    name: row.name,
    stage: row.stage,
    status: row.status,
    ...(row.started ? { startedAt: new Date(row.started) } : {}),
    ...(row.finished ? { finishedAt: new Date(row.finished) } : {}),
    ...(row.durationMs !== null ? { durationMs: row.durationMs } : {}),
    ...(row.message !== null ? { message: row.message } : {}),
    ...(row.log !== null ? { logPath: row.log } : {}),
    ...(row.counters ? { counters: row.counters } : {}),
    returnCode: returnCodes[row.status],
  };
}

/**
 * `night end --run-id ID --engine-status S`: every planned job without a final row becomes `skipped` naming its
 * first unsuccessful prerequisite (or `cancelled` if its task died mid-run); disabled jobs are listed; the run's
 * status and exit code are computed as `run` does; run-level metrics and the e-mail; the run lock is released.
 * Returns the night's exit code. Ending a run that already ended changes nothing and returns its exit code.
 */
export async function endNight(o: NightModeOptions & { engineStatus: string }): Promise<number> {
  const night = openNight(o);
  const { history, plan, stateDir, logDir } = night;
  const file = lockPath(stateDir);
  try {
    const run = history.getRun(o.runId);
    if (!run) {
      releaseLeaseOfRun(file, o.runId);
      process.stderr.write(`job-runner: no run ${o.runId} in the history: night begin did not record it\n`);
      return 1;
    }
    const lease = inspectLease(file);
    if (run.finished && !(lease.kind === 'held' && lease.holder?.runId === o.runId)) {
      // a retried night-end pod: the night is closed already
      return run.exitCode ?? 1;
    }
    const log = nightLog(o, logDir);
    const logger = log.runLog.logger;
    try {
      const rows = new Map(history.jobsOfRun(o.runId).map((j) => [j.name, j]));
      const status = (name: string) => rows.get(name)?.status;
      const closed: JobRecord[] = [];
      for (const n of plan.nodes) {
        const row = rows.get(n.name);
        if (row && row.status !== 'pending' && row.status !== 'running') continue;
        let rec: JobRecord;
        if (row?.status === 'running') {
          rec = {
            ...recordOf(row),
            status: 'cancelled',
            returnCode: returnCodes.cancelled,
            finishedAt: new Date(),
            message: `its task ended without recording a result (workflow ${o.engineStatus})`,
          };
        } else {
          const blocker = n.needs.find((p) => status(p) !== 'succeeded');
          rec = {
            name: n.name,
            stage: n.stage,
            status: 'skipped',
            returnCode: returnCodes.skipped,
            message: blocker
              ? prerequisiteMessage(blocker, status(blocker))
              : `not reached (workflow ${o.engineStatus})`,
          };
        }
        history.recordJob(o.runId, rec);
        rows.set(n.name, {
          ...(row ?? emptyRow(o.runId, n)),
          status: rec.status,
          message: rec.message ?? null,
        });
        logger.child({ job: n.name }).warn(`${rec.status}: ${rec.message}`);
        closed.push(rec);
      }
      for (const rec of closed) await log.notify(`end of ${rec.name}`, (ob) => ob.onJobEnd?.(o.runId, rec));
      for (const d of plan.disabled)
        if (!rows.has(d.name))
          history.recordJob(o.runId, { name: d.name, stage: d.stage, status: 'disabled', returnCode: 0 });

      const jobs = history.jobsOfRun(o.runId).map(recordOf);
      const bad = jobs.some((j) => j.status !== 'succeeded' && j.status !== 'disabled');
      const summary: RunSummary = {
        runId: o.runId,
        trigger: run.trigger,
        status: bad ? 'failed' : 'succeeded',
        startedAt: new Date(run.started),
        finishedAt: new Date(),
        exitCode: bad ? 1 : 0,
        jobs,
        logDir,
      };
      history.finishRun(o.runId, summary.status, summary.finishedAt, summary.exitCode);
      const counts = jobs.reduce<Record<string, number>>(
        (acc, j) => ((acc[j.status] = (acc[j.status] ?? 0) + 1), acc),
        {},
      );
      logger.info(
        `run ${o.runId} ${summary.status} (exit ${summary.exitCode}, workflow ${o.engineStatus}): ${Object.entries(
          counts,
        )
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}; logs in ${logDir}`,
      );
      await log.notify('run end', (ob) => ob.onRunEnd?.(summary));
      releaseLeaseOfRun(file, o.runId);
      return summary.exitCode;
    } finally {
      await closeLog(log);
    }
  } finally {
    history.close();
  }
}

function emptyRow(runId: string, n: PlanNode): JobRunRow {
  return {
    runId,
    name: n.name,
    stage: n.stage,
    status: 'pending',
    started: null,
    finished: null,
    durationMs: null,
    message: null,
    log: null,
    counters: null,
  };
}
