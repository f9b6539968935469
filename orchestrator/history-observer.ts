/** Writes run and job lifecycle events to the history store. */
import type { RunObserver } from './events.js';
import type { History, RunKind } from './history.js';

export function historyObserver(
  history: History,
  run: { logDir: string; dryRun: boolean; kind?: RunKind; selection?: string[]; resumes?: string },
): RunObserver {
  return {
    onRunStart: (r) =>
      history.startRun({
        id: r.runId,
        trigger: r.trigger,
        kind: run.kind,
        selection: run.selection,
        resumes: run.resumes,
        startedAt: r.startedAt,
        pid: process.pid,
        logDir: run.logDir,
        dryRun: run.dryRun,
      }),
    onJobStart: (runId, job) => history.recordJob(runId, job),
    onJobEnd: (runId, job) => history.recordJob(runId, job),
    onRunEnd: (s) => history.finishRun(s.runId, s.status, s.finishedAt, s.exitCode),
  };
}
