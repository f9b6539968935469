/** MO validity dates → the snapshot's `startdato`/`slutdato` strings (YYYY-MM-DD, open ends as DIPEX wrote them). */

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
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** A local timestamp `YYYY-MM-DD HH:MM:SS.mmm` in a time zone (DIPEX's naive local kvittering times). */
export function localTimestamp(timeZone: string, at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const ms = String(at.getMilliseconds()).padStart(3, '0');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${ms}`;
}
