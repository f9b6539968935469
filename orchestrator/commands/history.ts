/** `job-runner history [JOB] [--limit N] [--json] [--wide]`: past runs (what each was, its job counts), or one job's past attempts. */
import fs from 'node:fs';
import { openHistory } from '../history.js';
import { historyPath } from '../state-paths.js';
import { UsageError } from '../errors.js';
import { countsText, describeRun } from '../status-table.js';
import { unknownJobError } from './names.js';
import { type GlobalOptions, formatDuration, formatTime, loadContext, table } from './context.js';

export interface HistoryOptions extends GlobalOptions {
  limit?: string;
  json?: boolean;
  wide?: boolean;
}

export async function historyAction(job: string | undefined, opts: HistoryOptions): Promise<number> {
  const limit = Number(opts.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive integer, not "${opts.limit}"`);
  const ctx = loadContext(opts);
  if (job && !ctx.jobs.some((j) => j.name === job)) throw unknownJobError(job, ctx.jobs);
  const file = historyPath(ctx.stateDir);
  if (!fs.existsSync(file)) {
    ctx.out(opts.json ? '[]' : 'no runs yet');
    return 0;
  }
  const history = openHistory(file, { readonly: true });
  // minutes are enough in a list of nights; the offset says which clock
  const t = (iso: string | null) => formatTime(iso, ctx.settings).replace(/(\d\d:\d\d):\d\d/, '$1');
  try {
    if (job) {
      const rows = history.jobHistory(job, limit);
      if (opts.json) ctx.out(JSON.stringify(rows, null, 2));
      else
        table(
          [
            ['RUN', 'STATUS', 'STARTED', 'DURATION', 'MESSAGE'],
            ...rows.map((r) => [
              r.runId,
              r.status,
              t(r.started),
              formatDuration(r.durationMs),
              r.message ?? '',
            ]),
          ],
          { wrap: [4], wide: opts.wide },
        ).forEach((l) => ctx.out(l));
    } else {
      const runs = history.listRuns(limit).map((r) => ({ ...r, jobCounts: history.jobCounts(r.id) }));
      if (opts.json) ctx.out(JSON.stringify(runs, null, 2));
      else
        table(
          [
            ['RUN', 'WHAT', 'STARTED', 'STATUS', 'JOBS'],
            ...runs.map((r) => [
              r.id,
              describeRun(r),
              t(r.started),
              r.status + (r.exitCode === null ? '' : ` (${r.exitCode})`),
              countsText(r.jobCounts),
            ]),
          ],
          { wrap: [1, 4], wide: opts.wide },
        ).forEach((l) => ctx.out(l));
    }
    return 0;
  } finally {
    history.close();
  }
}
