import { todayInCopenhagen } from '../../fixtures/dates.js';
import type { ISODate } from '../../fixtures/types.js';

/** A date window [start, end] (inclusive, null = unbounded) that a query "loaded". */
export interface Window {
  start: ISODate | null;
  end: ISODate | null;
}

const offsetCache = new Map<string, string>();

/** Last Sunday of a month (UTC calendar), as YYYY-MM-DD. */
function lastSunday(year: number, month: number): string {
  const d = new Date(Date.UTC(year, month + 1, 0));
  d.setUTCDate(d.getUTCDate() - d.getUTCDay());
  return d.toISOString().slice(0, 10);
}

/** MO prints validity dates as midnight in Copenhagen: `2024-01-01T00:00:00+01:00` (+02:00 in summer). */
export function toMoDateTime(date: ISODate | null): string | null {
  if (date === null) return null;
  let offset = offsetCache.get(date);
  if (!offset) {
    const year = Number(date.slice(0, 4));
    const summer = date > lastSunday(year, 2) && date <= lastSunday(year, 9);
    offset = summer ? '+02:00' : '+01:00';
    offsetCache.set(date, offset);
  }
  return `${date}T00:00:00${offset}`;
}

/** A DateTime argument (`2024-01-01`, or an ISO timestamp) as the Copenhagen calendar date it falls on. */
export function parseDateInput(value: unknown): ISODate {
  if (typeof value !== 'string') throw new TypeError(`Invalid DateTime: ${JSON.stringify(value)}`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw new TypeError(`Invalid DateTime: ${JSON.stringify(value)}`);
  // A timestamp without offset is local (Copenhagen) time: its date part is the date.
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value)) return value.slice(0, 10);
  return todayInCopenhagen(d);
}

/**
 * MO's filter window: an omitted `from_date` means now, an explicit null unbounded; an omitted `to_date`
 * means the same instant as from_date (now when from_date is omitted or null), an explicit null unbounded.
 */
export function filterWindow(filter: Record<string, unknown> | null | undefined, now: ISODate): Window {
  const f = filter ?? {};
  const start =
    !('from_date' in f) || f.from_date === undefined
      ? now
      : f.from_date === null
        ? null
        : parseDateInput(f.from_date);
  const end =
    !('to_date' in f) || f.to_date === undefined
      ? (start ?? now)
      : f.to_date === null
        ? null
        : parseDateInput(f.to_date);
  return { start, end };
}

/** The arguments of `validities(start, end)` / `objects(start, end)`: omitted or null = unbounded. */
export function argsWindow(args: Record<string, unknown>): Window {
  return {
    start: args.start == null ? null : parseDateInput(args.start),
    end: args.end == null ? null : parseDateInput(args.end),
  };
}
