/** The status table `status` prints and `run` prints at its end (and the demo can print from a RunSummary). */
import fs from 'node:fs';
import type { RunSummary } from './events.js';
import type { RunRow } from './history.js';
import type { Settings } from './settings-store.js';
import { timezoneSpec } from './runner-settings.js';
import { displayTime, localClock } from './zoned-time.js';
import { renderTable } from './terminal/table.js';
import { type Colours, statusColour } from './terminal/colour.js';

export interface StatusRow {
  name: string;
  stage: string;
  status: string;
  started: string | null;
  durationMs: number | null;
  message: string | null;
  log: string | null;
}

/** The zone every time shown to people is in: `runner.timezone`, UTC if it is unset or bad. */
export function timeZoneOf(settings: Settings): string {
  try {
    return settings.value(timezoneSpec);
  } catch {
    return 'UTC';
  }
}

/** `2026-11-23 02:00:05 +01:00` in the runner's time zone. */
export function formatTime(iso: string | null | undefined, settings: Settings): string {
  if (!iso) return '-';
  return displayTime(new Date(iso), timeZoneOf(settings));
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

export interface TableLayout {
  /** Full width: nothing wraps (`--wide`). */
  wide?: boolean;
  /** Default: the terminal's width, 80 when not a terminal. */
  width?: number;
  colours?: Colours;
  /** For the elapsed time of running jobs; default now. */
  now?: Date;
}

/** Pads columns of a table of strings; the columns in `wrap` wrap to fit the width. */
export function table(rows: string[][], layout: TableLayout & { wrap?: number[] } = {}): string[] {
  return renderTable(rows, { wrap: layout.wrap, wide: layout.wide, width: layout.width });
}

/**
 * One line per attempted job (with its log path under it), then the disabled jobs on one line. A running
 * job's DURATION is the time since it started.
 */
export function statusLines(
  rows: readonly StatusRow[],
  settings: Settings,
  layout: TableLayout = {},
): string[] {
  const tz = timeZoneOf(settings);
  const now = (layout.now ?? new Date()).getTime();
  const attempted = rows.filter((j) => j.status !== 'disabled');
  const disabled = rows.filter((j) => j.status === 'disabled').map((j) => j.name);
  const cells = [['JOB', 'STAGE', 'STATUS', 'STARTED', 'DURATION', 'MESSAGE']];
  for (const j of attempted) {
    const running = j.status === 'running' && j.started;
    cells.push([
      j.name,
      j.stage,
      j.status,
      j.started ? localClock(new Date(j.started), tz) : '-',
      running
        ? `${formatDuration(Math.max(0, now - Date.parse(j.started!)))} so far`
        : formatDuration(j.durationMs),
      j.message ?? '',
    ]);
  }
  const c = layout.colours;
  const lines = renderTable(cells, {
    wrap: [5],
    // a message wrapped to a few characters a line cannot be read: beside DIPEX's longest job name
    // (`exports_historic_skip_past_cache_loracache`) the lines run past the width instead
    minWrap: 24,
    wide: layout.wide,
    width: layout.width,
    colour: c ? (_r, col, text) => (col === 2 ? statusColour(c, text)(text) : text) : undefined,
  });
  // a wrapped message continues on lines that start blank (JOB never wraps): the log path goes under them
  const out = [lines[0]!];
  let job = -1;
  const logOf = (i: number) => {
    const log = attempted[i]?.log;
    if (log && fs.existsSync(log)) out.push(`    log: ${log}`);
  };
  for (const line of lines.slice(1)) {
    if (!line.startsWith(' ')) logOf(job++);
    out.push(line);
  }
  logOf(job);
  if (disabled.length) out.push(`disabled: ${disabled.join(', ')}`);
  return out;
}

/** The status table of a run that just ended. */
export function summaryLines(summary: RunSummary, settings: Settings, layout: TableLayout = {}): string[] {
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
    layout,
  );
}

const nightOf: Record<string, string> = {
  schedule: 'scheduled night',
  'catch-up': 'catch-up night',
  cli: 'full run',
  demo: 'demo night',
};

/** What a run was: `scheduled night`, `full run`, `jobs: a, b`, `resume of RUN`; `(dry run)` added. */
export function describeRun(
  run: Pick<RunRow, 'kind' | 'trigger' | 'selection' | 'resumes' | 'dryRun'>,
): string {
  const what =
    run.kind === 'jobs'
      ? `jobs: ${run.selection.join(', ') || '?'}`
      : run.kind === 'resume'
        ? `resume of ${run.resumes ?? 'the last night'}`
        : (nightOf[run.trigger] ?? `night (${run.trigger})`);
  return what + (run.dryRun ? ' (dry run)' : '');
}

const countOrder = ['succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'running', 'pending'];

/** `3 succeeded, 1 failed, 2 skipped` (statuses in a fixed order). */
export function countsText(counts: Record<string, number>): string {
  const known = countOrder.filter((s) => counts[s]);
  const other = Object.keys(counts).filter((s) => !countOrder.includes(s) && counts[s]);
  return [...known, ...other].map((s) => `${counts[s]} ${s}`).join(', ') || 'no jobs';
}
