/** `job-runner history [JOB] [--limit N] [--json]`: past runs, or one job's past attempts. */
import fs from 'node:fs';
import { openHistory } from '../history.js';
import { historyPath } from '../state-paths.js';
import { UsageError } from '../errors.js';
import { type GlobalOptions, formatDuration, formatTime, loadContext, table } from './context.js';

export interface HistoryOptions extends GlobalOptions {
  limit?: string;
  json?: boolean;
}

export async function historyAction(job: string | undefined, opts: HistoryOptions): Promise<number> {
  const limit = Number(opts.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive integer, not "${opts.limit}"`);
  const ctx = loadContext(opts);
  if (job && !ctx.jobs.some((j) => j.name === job))
    throw new UsageError(`unknown job "${job}" (see job-runner list)`);
  const file = historyPath(ctx.stateDir);
  if (!fs.existsSync(file)) {
    ctx.out(opts.json ? '[]' : 'no runs yet');
    return 0;
  }
  const history = openHistory(file, { readonly: true });
  const t = (iso: string | null) => formatTime(iso, ctx.settings);
  try {
    if (job) {
      const rows = history.jobHistory(job, limit);
      if (opts.json) ctx.out(JSON.stringify(rows, null, 2));
      else
        table([
          ['RUN', 'STATUS', 'STARTED', 'DURATION', 'MESSAGE'],
          ...rows.map((r) => [
            r.runId,
            r.status,
            t(r.started),
            formatDuration(r.durationMs),
            r.message ?? '',
          ]),
        ]).forEach((l) => ctx.out(l));
    } else {
      const runs = history.listRuns(limit);
      if (opts.json) ctx.out(JSON.stringify(runs, null, 2));
      else
        table([
          ['RUN', 'TRIGGER', 'STATUS', 'EXIT', 'STARTED', 'FINISHED'],
          ...runs.map((r) => [
            r.id,
            r.trigger + (r.dryRun ? ' (dry)' : ''),
            r.status,
            r.exitCode === null ? '-' : String(r.exitCode),
            t(r.started),
            t(r.finished),
          ]),
        ]).forEach((l) => ctx.out(l));
    }
    return 0;
  } finally {
    history.close();
  }
}
