/** `job-runner schedule`: owned by the operations work (issue 3). Placeholder until it lands. */
import type { Settings } from '../settings-store.js';
import type { RunSummary, RunTrigger } from '../events.js';

export interface ScheduleOptions {
  settings: Settings;
  /** Runs the nightly plan once (the same function `job-runner run` uses) and resolves with its summary. */
  runNight: (trigger: RunTrigger, signal: AbortSignal) => Promise<RunSummary>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Resolves with the process exit code. */
export async function scheduleAction(_opts: ScheduleOptions): Promise<number> {
  process.stderr.write('job-runner schedule: not available in this version\n');
  return 2;
}
