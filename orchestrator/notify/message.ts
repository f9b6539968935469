/** The alert e-mail's subject and text body (pure; redaction applied to everything from logs and messages). */
import type { JobRecord, RunSummary } from '../events.js';
import type { JobStatus } from '../job.js';
import { tailLines } from './log-tail.js';

export const LOG_LINES = 30;
const PROBLEM: readonly JobStatus[] = ['failed', 'timed_out', 'skipped'];

export function hasProblems(summary: RunSummary): boolean {
  return summary.jobs.some((j) => PROBLEM.includes(j.status));
}

export interface AlertText {
  subject: string;
  text: string;
}

function countOf(jobs: readonly JobRecord[], status: JobStatus): number {
  return jobs.filter((j) => j.status === status).length;
}

function localTime(d: Date, timeZone: string): string {
  return d.toLocaleString('sv-SE', { timeZone }).slice(0, 16);
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function composeAlert(
  summary: RunSummary,
  opts: { municipality: string; timeZone: string; redact: (s: string) => string },
): AlertText {
  const jobs = summary.jobs.filter((j) => j.status !== 'disabled');
  const failed = countOf(jobs, 'failed');
  const timedOut = countOf(jobs, 'timed_out');
  const skipped = countOf(jobs, 'skipped');
  const counts = [
    failed ? `${failed} failed` : '',
    timedOut ? `${timedOut} timed out` : '',
    skipped ? `${skipped} skipped` : '',
  ].filter(Boolean);
  const what = counts.length
    ? `${counts.join(', ')} of ${jobs.length} jobs`
    : `all ${jobs.length} jobs ${summary.status}`;
  const subject = `[job-runner] ${opts.municipality}: ${what} (night of ${localTime(summary.startedAt, opts.timeZone)})`;

  const rows = [['job', 'stage', 'status', 'duration', 'message']];
  for (const j of jobs) {
    rows.push([j.name, j.stage, j.status, duration(j.durationMs), opts.redact(j.message ?? '')]);
  }
  const parts = [
    `Run ${summary.runId} (${summary.trigger}) in ${opts.municipality}: ${summary.status}, exit code ${summary.exitCode}.`,
    `Started ${localTime(summary.startedAt, opts.timeZone)}, ended ${localTime(summary.finishedAt, opts.timeZone)} (${opts.timeZone}).`,
    '',
    table(rows),
  ];
  for (const j of jobs.filter((x) => x.status === 'failed' || x.status === 'timed_out')) {
    parts.push('', `--- ${j.name} (${j.status}) ---`);
    if (j.logPath) {
      const lines = tailLines(j.logPath, LOG_LINES).map(opts.redact);
      parts.push(`Log: ${j.logPath}`, `Last ${lines.length} log lines:`, ...lines.map((l) => `  ${l}`));
    } else {
      parts.push('No log file.');
    }
  }
  parts.push('', `Logs of this run: ${summary.logDir}`, `Details: job-runner status --run ${summary.runId}`);
  return { subject: opts.redact(subject), text: parts.join('\n') + '\n' };
}
