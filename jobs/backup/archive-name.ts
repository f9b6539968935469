/** Archive names: `YYYY-MM-DD-HH-MM-SS-cron-backup.tar.gz` in local time of runner.timezone (DIPEX's format). */

export const ARCHIVE_RE = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-cron-backup\.tar\.gz$/;
export const PENDING_RE = /^\.pending-.+\.tar$/;

function wallFields(at: Date, timeZone: string): number[] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  return (['year', 'month', 'day', 'hour', 'minute', 'second'] as const).map((t) =>
    Number(parts.find((p) => p.type === t)?.value),
  );
}

export function archiveName(at: Date, timeZone: string): string {
  const [y, mo, d, h, mi, s] = wallFields(at, timeZone).map((n) => String(n).padStart(2, '0'));
  return `${y}-${mo}-${d}-${h}-${mi}-${s}-cron-backup.tar.gz`;
}

export function pendingName(runId: string): string {
  return `.pending-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.tar`;
}

/** Wall-clock time of an archive name or a date as comparable ms (the wall time read as UTC). */
function wallKey(fields: number[]): number {
  const [y, mo, d, h, mi, s] = fields as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Whether an archive's name says it is older than `days` days before `now` (both in the zone's wall time). */
export function isOlderThan(name: string, now: Date, days: number, timeZone: string): boolean {
  const m = ARCHIVE_RE.exec(name);
  if (!m) return false;
  const archived = wallKey(m.slice(1, 7).map(Number));
  return archived < wallKey(wallFields(now, timeZone)) - days * 86_400_000;
}
