/**
 * Lifecycle events of a run. History, Prometheus metrics and e-mail alerts subscribe as observers.
 * The engine calls observers with errors isolated (a throwing observer is logged, never fails a job).
 */
import type { JobStatus, Stage } from './job.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped_overlap';
/** `k8s`: a night run by Argo as `night begin`, one `task` per job, `night end`. */
export type RunTrigger = 'cli' | 'schedule' | 'catch-up' | 'resume' | 'demo' | 'k8s';

export interface JobRecord {
  name: string;
  stage: Stage;
  status: JobStatus;
  startedAt?: Date;
  finishedAt?: Date;
  durationMs?: number;
  /** One line: the job's summary, the error, or which prerequisite did not succeed. Redacted. */
  message?: string;
  /** Absolute path of this job's log file for this run. */
  logPath?: string;
  /** Prometheus-style return code: 0 succeeded, 1 failed, 124 timed out, 130 cancelled, 2 skipped. */
  returnCode?: number;
  counters?: Record<string, number>;
  informational?: boolean;
  /** Peak RSS of an isolated job's own process in MB, as it reported when it ended. */
  peakRssMb?: number;
  /** CPU time (user + system) of an isolated job's own process, as it reported when it ended. */
  cpuMs?: number;
}

export interface RunStart {
  runId: string;
  trigger: RunTrigger;
  startedAt: Date;
  /** Names of the jobs that will be attempted. */
  jobs: string[];
}

export interface RunSummary {
  runId: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date;
  /** The process exit code the CLI uses (DESIGN §4). */
  exitCode: number;
  jobs: JobRecord[];
  /** Directory holding this run's log files and run.jsonl. */
  logDir: string;
}

export interface RunObserver {
  onRunStart?(run: RunStart): void | Promise<void>;
  onJobStart?(runId: string, job: JobRecord): void | Promise<void>;
  onJobEnd?(runId: string, job: JobRecord): void | Promise<void>;
  /** Awaited before the CLI exits; observers bound their own time (alerts: 30 s). */
  onRunEnd?(summary: RunSummary): void | Promise<void>;
}
