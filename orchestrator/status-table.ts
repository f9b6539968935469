/** The status table `status` prints and `run` prints at its end (and the demo can print from a RunSummary). */
import fs from 'node:fs';
import type { RunSummary } from './events.js';
import type { Settings } from './settings-store.js';
import { timezoneSpec } from './runner-settings.js';
import { localDateTime } from './zoned-time.js';

export interface StatusRow {
  name: string;
  stage: string;
  status: string;
  started: string | null;
  durationMs: number | null;
  message: string | null;
  log: string | null;
}

/** `2026-11-23 02:00:05` in the runner's time zone. */
export function formatTime(iso: string | null | undefined, settings: Settings): string {
  if (!iso) return '-';
  let tz = 'UTC';
  try {
    tz = settings.value(timezoneSpec);
  } catch {
    // fall back to UTC
  }
  return localDateTime(new Date(iso), tz);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

/** Pads columns of a table of strings. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** One line per attempted job (with its log path under it), then the disabled jobs on one line. */
export function statusLines(rows: readonly StatusRow[], settings: Settings): string[] {
  const attempted = rows.filter((j) => j.status !== 'disabled');
  const disabled = rows.filter((j) => j.status === 'disabled').map((j) => j.name);
  const cells = [['JOB', 'STAGE', 'STATUS', 'STARTED', 'DURATION', 'MESSAGE']];
  for (const j of attempted) {
    cells.push([
      j.name,
      j.stage,
      j.status,
      j.started ? formatTime(j.started, settings).slice(11) : '-',
      formatDuration(j.durationMs),
      j.message ?? '',
    ]);
  }
  const lines = table(cells);
  const out = [lines[0]!];
  attempted.forEach((j, i) => {
    out.push(lines[i + 1]!);
    if (j.log && fs.existsSync(j.log)) out.push(`    log: ${j.log}`);
  });
  if (disabled.length) out.push(`disabled: ${disabled.join(', ')}`);
  return out;
}

/** The status table of a run that just ended. */
export function summaryLines(summary: RunSummary, settings: Settings): string[] {
  return statusLines(
    summary.jobs.map((j) => ({
      name: j.name,
      stage: j.stage,
      status: j.status,
      started: j.startedAt ? j.startedAt.toISOString() : null,
      durationMs: j.durationMs ?? null,
      message: j.message ?? null,
      log: j.logPath ?? null,
    })),
    settings,
  );
}
