/** `job-runner history [JOB] [--limit N] [--json] [--wide]`: past runs (what each was, its job counts), or one job's past attempts. */
import fs from 'node:fs';
import { openHistory, type RunRow } from '../history.js';
import { historyPath } from '../state-paths.js';
import { UsageError } from '../errors.js';
import { countsText, describeRun, timeZoneOf } from '../status-table.js';
import { localDateTime, offsetText } from '../zoned-time.js';
import { unknownJobError } from './names.js';
import { type GlobalOptions, formatDuration, loadContext, table } from './context.js';

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
  const tz = timeZoneOf(ctx.settings);
  // minutes are enough in a list of runs; the offset goes in the header when every row shares it
  const when = (isos: (string | null)[]) => {
    const offsets = new Set(isos.filter((i) => i).map((i) => offsetText(new Date(i!), tz)));
    const shared = offsets.size === 1 ? [...offsets][0]! : undefined;
    const cell = (iso: string | null) =>
      iso
        ? localDateTime(new Date(iso), tz).slice(0, 16) + (shared ? '' : ` ${offsetText(new Date(iso), tz)}`)
        : '-';
    return { head: shared ? `STARTED ${shared}` : 'STARTED', cell };
  };
  try {
    if (job) {
      const rows = history.jobHistory(job, limit);
      const t = when(rows.map((r) => r.started));
      if (opts.json) ctx.out(JSON.stringify(rows, null, 2));
      else
        table(
          [
            ['RUN', 'STATUS', t.head, 'DURATION', 'MESSAGE'],
            ...rows.map((r) => [
              r.runId,
              r.status,
              t.cell(r.started),
              formatDuration(r.durationMs),
              r.message ?? '',
            ]),
          ],
          { wrap: [4], wide: opts.wide },
        ).forEach((l) => ctx.out(l));
    } else {
      const runs = history.listRuns(limit).map((r) => ({ ...r, jobCounts: history.jobCounts(r.id) }));
      const t = when(runs.map((r) => r.started));
      // a resume names its night by start time: a second run id would not fit 80 columns
      const what = (r: RunRow) => {
        const night = r.kind === 'resume' && r.resumes ? history.getRun(r.resumes) : undefined;
        return night
          ? `resume of the ${localDateTime(new Date(night.started), tz).slice(5, 16)} night${r.dryRun ? ' (dry run)' : ''}`
          : describeRun(r);
      };
      if (opts.json) ctx.out(JSON.stringify(runs, null, 2));
      else
        table(
          [
            ['RUN', 'WHAT', t.head, 'STATUS', 'JOBS'],
            ...runs.map((r) => [r.id, what(r), t.cell(r.started), r.status, countsText(r.jobCounts)]),
          ],
          { wrap: [1, 4], wide: opts.wide },
        ).forEach((l) => ctx.out(l));
    }
    return 0;
  } finally {
    history.close();
  }
}
