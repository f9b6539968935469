/**
 * What crosses the IPC channel between the runner and a job's own process (advanced serialization, so Dates
 * and Errors survive). The runner sends `start` once and `abort` on timeout/cancel; the job process sends log
 * lines (batched while they come in bursts) and progress as they happen, then exactly one `result` or `error`
 * and exits.
 */
import type { JobPaths, JobResult } from '../job.js';

/** The serializable part of a JobContext: everything except the logger, the signal and progress. */
export interface StartMessage {
  type: 'start';
  module: string;
  export: string;
  runId: string;
  runStartedAt: Date;
  jobName: string;
  settings: { raw: Record<string, unknown>; source: string };
  paths: JobPaths;
  dryRun: boolean;
  verbose: boolean;
  env: Record<string, string | undefined>;
  prerequisitesRanThisRun: boolean;
  /** The jobs that had succeeded in this run when the job started (JobContext.succeededThisRun). */
  succeededThisRun: string[];
}

export interface AbortMessage {
  type: 'abort';
  reason: unknown;
}

export type ToJob = StartMessage | AbortMessage;

export interface LogLine {
  level: string;
  message: string;
  meta: Record<string, unknown>;
}

/** Log lines in the order the job wrote them: a burst travels as one message (one clone, one IPC event). */
export interface LogMessage {
  type: 'log';
  lines: LogLine[];
}

export interface ProgressMessage {
  type: 'progress';
  done: number;
  total: number | undefined;
  what: string;
}

/** What the job's process used, sent with its last message. */
export interface ProcessUsage {
  peakRssMb: number;
  /** CPU time (user + system) of the job's process, all its threads. */
  cpuMs: number;
}

/** The job returned. */
export interface ResultMessage extends ProcessUsage {
  type: 'result';
  result: JobResult | undefined;
}

/** The job threw (or its module could not be loaded), or an uncaught error ended its process. */
export interface ErrorMessage extends ProcessUsage {
  type: 'error';
  message: string;
  /** true: uncaught exception or unhandled rejection outside the job's promise. */
  crash: boolean;
}

export type FromJob = LogMessage | ProgressMessage | ResultMessage | ErrorMessage;
