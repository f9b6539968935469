/** The schedule daemon's view of the run history (orchestrator/history.ts). */
import type { History } from '../history.js';
import type { ScheduleHistory } from './daemon.js';

/** How many recent runs to look at for the catch-up decision (skipped overlaps and manual runs included). */
const RECENT_RUNS = 50;

export function scheduleHistory(history: History): ScheduleHistory {
  return {
    hasRunSince(at: Date): boolean {
      return history
        .listRuns(RECENT_RUNS)
        .some(
          (run) => run.status !== 'skipped_overlap' && !run.dryRun && Date.parse(run.started) >= at.getTime(),
        );
    },
    recordSkippedOverlap(trigger, at): void {
      history.recordSkippedOverlap(trigger, at);
    },
    setHeartbeat(heartbeat): void {
      history.setHeartbeat(heartbeat);
    },
  };
}
