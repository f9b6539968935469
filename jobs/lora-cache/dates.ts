/** MO validity dates → the snapshot's `startdato`/`slutdato` strings (YYYY-MM-DD, open ends as DIPEX wrote them). */
import { localDate, localDateTime } from '../../orchestrator/zoned-time.js';

export interface MoValidity {
  from?: string | null;
  to?: string | null;
}

export const OPEN_START = '0001-01-01';
export const OPEN_END = '9999-12-31';

/** `from` as the date MO gave it (MO's DateTimes carry the local offset, so the first 10 characters are the date). */
export function fromDate(from: string | null | undefined): string {
  return from ? from.slice(0, 10) : OPEN_START;
}

export function toDate(to: string | null | undefined): string {
  return to ? to.slice(0, 10) : OPEN_END;
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  return localDate(now, timeZone);
}

/** A local timestamp `YYYY-MM-DD HH:MM:SS.mmm` in a time zone (DIPEX's naive local kvittering times). */
export function localTimestamp(timeZone: string, at: Date): string {
  return `${localDateTime(at, timeZone)}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}
