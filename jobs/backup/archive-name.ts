/** Archive names: `YYYY-MM-DD-HH-MM-SS-cron-backup.tar.gz` in local time of runner.timezone (DIPEX's format). */
import { localDateTime, wallKey, wallTimeOf } from '../../orchestrator/zoned-time.js';

export const ARCHIVE_RE = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-cron-backup\.tar\.gz$/;
export const PENDING_RE = /^\.pending-.+\.tar$/;

export function archiveName(at: Date, timeZone: string): string {
  return `${localDateTime(at, timeZone).replace(/[ :]/g, '-')}-cron-backup.tar.gz`;
}

export function pendingName(runId: string): string {
  return `.pending-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.tar`;
}

/** Whether an archive's name says it is older than `days` days before `now` (both in the zone's wall time). */
export function isOlderThan(name: string, now: Date, days: number, timeZone: string): boolean {
  const m = ARCHIVE_RE.exec(name);
  if (!m) return false;
  const n = m.slice(1, 7).map(Number);
  const archived = wallKey({
    year: n[0]!,
    month: n[1]!,
    day: n[2]!,
    hour: n[3]!,
    minute: n[4]!,
    second: n[5]!,
  });
  return archived < wallKey(wallTimeOf(now.getTime(), timeZone)) - days * 86_400_000;
}
