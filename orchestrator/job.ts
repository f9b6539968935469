/**
 * The job contract (DESIGN §3): the only types a job needs from the orchestrator.
 * The orchestrator never imports job code; jobs never import engine code (only this module and settings helpers).
 */
import type { Logger } from 'winston';
import type { SettingSpec } from './setting-spec.js';
import type { Settings } from './settings-store.js';

/**
 * Where a job sits in the night.
 * - `pre`: built-in steps before the imports (`pre_backup`)
 * - `import`: run one after another in catalogue order
 * - `prepare`: caches other jobs read (run in parallel with each other)
 * - `export` / `report`: need only the prepare jobs they declare
 * - `post`: never waits for another job to succeed; runs after every other job has ended, whatever their status
 *   (`post_backup`), or, when it declares `uses`, as soon as the imports and those have ended (`sanity_check_mo_data`)
 */
export type Stage = 'pre' | 'import' | 'prepare' | 'export' | 'report' | 'post';

/** Final status of one job in one run (DESIGN §4). `pending`/`running` only while a run is in progress. */
export type JobStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'skipped' | 'cancelled' | 'disabled';

/** Paths a job may use. All absolute. */
export interface JobPaths {
  /** Repository / installation root: the working directory of command jobs. */
  root: string;
  /** `runner.state_dir`: history, logs, lock, caches. */
  state: string;
  /** `{state}/cache`: snapshots, hash caches, maps (jobs may choose another place from their own settings). */
  cache: string;
  /** Directory of this run's logs (`{state}/logs/{runId}`). */
  runLogs: string;
}

export interface JobContext {
  runId: string;
  /** When the run (not this job) started; readers use it to refuse snapshots older than the run. */
  runStartedAt: Date;
  jobName: string;
  settings: Settings;
  /** Child logger tagged with runId and job; writes to the job's own log file and run.jsonl. Redacted. */
  logger: Logger;
  /** Aborted on timeout (reason 'timeout') or SIGINT/SIGTERM (reason 'cancelled'). Pass it to every I/O call. */
  signal: AbortSignal;
  paths: JobPaths;
  /** `run --dry-run`: compute everything, change nothing outside the state dir, report what would be done. */
  dryRun: boolean;
  /** `--verbose` given on the command line. */
  verbose: boolean;
  /** Progress of long work; throttled and rendered by the orchestrator (log lines, and a live line on a TTY). */
  progress(done: number, total: number | undefined, what: string): void;
  /** Environment of the runner process (jobs never read process.env directly). */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether each prerequisite was run in this run (true) or taken from an earlier run (false). */
  prerequisitesRanThisRun: boolean;
  /** Jobs of this run that had succeeded when this job started (e.g. a job it `uses`). */
  succeededThisRun: readonly string[];
}

export interface JobResult {
  /** e.g. {sent: 12, unchanged: 31990, failed: 0} */
  counters?: Record<string, number>;
  /** Files the job wrote (absolute paths). */
  outputs?: string[];
  /** Distinct warnings worth showing in the status message. */
  warnings?: string[];
  /** One-line summary for `status`. */
  message?: string;
  /**
   * A job that finished its work but must be reported as failed (e.g. OS2sync rejected one object)
   * returns failed: true with a message, instead of throwing.
   */
  failed?: boolean;
}

/** The metadata part of a job: cheap to import (no heavy modules), used by list/plan/check. */
export interface JobDefinition {
  /** Stable name; DIPEX's name where a DIPEX job exists. */
  name: string;
  stage: Stage;
  /** Settings keys that enable it (any one on = enabled), e.g. ['crontab.RUN_OS2SYNC']. */
  toggle: string[];
  /** One line for `list` and docs. */
  description: string;
  /** Prepare jobs (or other jobs) it reads from; may depend on settings. */
  needs?(s: Settings): string[];
  /**
   * Optional prerequisites: when enabled and planned they run first (order only), and the job is never skipped
   * because of them; `ctx.succeededThisRun` tells whether they succeeded (e.g. read a snapshot built tonight).
   */
  uses?(s: Settings): string[];
  /** Settings this job reads; validated before anything runs. */
  settings?: SettingSpec[];
  /**
   * Checks of its settings beyond each key's own schema: keys that need each other, template syntax. Throws a
   * SettingsError/JobSettingsError naming the key. Run by `check` and before the job starts; may load lazily.
   */
  validate?(s: Settings, paths: JobPaths): Promise<void>;
  /** Files holding state worth backing up (hash caches, CPR maps), resolved from settings. */
  stateFiles?(s: Settings, paths: JobPaths): string[];
  /** Informational jobs never block anything (nothing may need them). */
  informational?: boolean;
  /**
   * Overrides the toggle rule (any toggle key JSON true or "true"). For toggles that are not booleans,
   * e.g. `crontab.CRON_BACKUP` (a directory: enabled when set). When given, the toggle keys are not
   * validated as booleans.
   */
  enabled?(s: Settings): boolean;
  /** Timeout in ms when `runner.timeout.<job>` is not set (command jobs' `timeout`); else `runner.job_timeout`. */
  defaultTimeoutMs?: number;
  /**
   * Where the implementation lives (a file URL, and its export, default `run`). When given, the engine runs the
   * job in a child process of its own (docs/architecture.md, "Isolation"); `load()` stays for tests and tools.
   */
  isolated?: IsolatedModule;
  /** Loads the implementation lazily so `list` and `status` stay fast. */
  load(): Promise<{ run(ctx: JobContext): Promise<JobResult> }>;
}

/** The module of a job that runs isolated: `new URL('./run.js', import.meta.url).href` and the export's name. */
export interface IsolatedModule {
  module: string;
  /** Default `run`. */
  export?: string;
}

/** Error a job throws for a bad setting discovered at run time; the message names the key. */
export class JobSettingsError extends Error {
  constructor(
    public readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'JobSettingsError';
  }
}
