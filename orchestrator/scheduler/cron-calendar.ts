/**
 * When a cron expression is due, in a time zone, with our DST policy (docs/operations.md):
 * - a wall time that does not exist (spring forward: 02:30 on the last Sunday of March in Copenhagen)
 *   is due at the first valid instant after the gap (03:00), once;
 * - a wall time that occurs twice (fall back) is due once, at its first occurrence.
 * node-cron parses and validates the expression (same syntax and day semantics as the tick source);
 * the walk over days and times is ours, because node-cron skips times that fall in a gap.
 */
import cron from 'node-cron';
import { assertTimeZone, resolveWallTime, wallKey, wallTimeOf } from '../zoned-time.js';

type DayToken = number | string;

export interface CronCalendar {
  expression: string;
  timeZone: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: DayToken[];
  months: number[];
  daysOfWeek: DayToken[];
}

export class CronExpressionError extends Error {}

/** Parses and validates; throws CronExpressionError / RangeError with a one-line message. */
export function cronCalendar(expression: string, timeZone: string): CronCalendar {
  try {
    assertTimeZone(timeZone);
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}"`);
  }
  const detailed = cron.validateDetailed(expression);
  if (!detailed.valid || !detailed.fields) {
    const first = detailed.errors[0];
    throw new CronExpressionError(
      `invalid cron expression "${expression}"${first ? `: ${first.field} ${first.message}` : ''}`,
    );
  }
  const f = detailed.fields;
  const asc = (v: number[]): number[] => [...v].sort((a, b) => a - b);
  return {
    expression,
    timeZone,
    seconds: asc(f.second),
    minutes: asc(f.minute),
    hours: asc(f.hour),
    daysOfMonth: f.dayOfMonth,
    months: f.month,
    daysOfWeek: f.dayOfWeek,
  };
}

const lastDayOfMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekdayOf = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

function nearestWeekday(y: number, m: number, target: number): number {
  const last = lastDayOfMonth(y, m);
  if (target < 1 || target > last) return -1;
  const wd = weekdayOf(y, m, target);
  if (wd === 6) return target === 1 ? target + 2 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(tokens: DayToken[], y: number, m: number, d: number): boolean {
  return tokens.some((t) => {
    if (t === d) return true;
    if (typeof t !== 'string') return false;
    if (t === 'L') return d === lastDayOfMonth(y, m);
    const w = /^(\d{1,2}|L)W$/.exec(t);
    if (w) return nearestWeekday(y, m, w[1] === 'L' ? lastDayOfMonth(y, m) : Number(w[1])) === d;
    const off = /^L-(\d{1,2})$/.exec(t);
    return off !== null && lastDayOfMonth(y, m) - Number(off[1]) === d;
  });
}

function matchesDayOfWeek(tokens: DayToken[], y: number, m: number, d: number): boolean {
  const wd = weekdayOf(y, m, d);
  return tokens.some((t) => {
    if (t === wd) return true;
    if (typeof t !== 'string') return false;
    const nth = /^([0-7])#([1-5])$/.exec(t);
    if (nth) return Number(nth[1]) % 7 === wd && Math.floor((d - 1) / 7) + 1 === Number(nth[2]);
    const last = /^([0-7])L$/i.exec(t);
    return last !== null && Number(last[1]) % 7 === wd && d + 7 > lastDayOfMonth(y, m);
  });
}

/** node-cron's rule: month, day of month and day of week must all match. */
export function matchesDay(c: CronCalendar, y: number, m: number, d: number): boolean {
  return (
    c.months.includes(m) &&
    matchesDayOfMonth(c.daysOfMonth, y, m, d) &&
    matchesDayOfWeek(c.daysOfWeek, y, m, d)
  );
}

const DAY = 86_400_000;
const MAX_DAYS = 366 * 8;

/**
 * The first instant strictly after `after` at which the schedule is due, under the DST policy.
 * Resolving wall times is monotone (gap → end of gap, repeated → first occurrence), so the first
 * candidate in wall-clock order that lies after `after` is the earliest one.
 */
export function nextRunAfter(c: CronCalendar, after: Date): Date {
  const afterMs = after.getTime();
  const startWall = wallTimeOf(afterMs, c.timeZone);
  // Wall times before `after`'s own wall time cannot resolve after it: resolving is monotone and `after`'s wall
  // time resolves to `after` (whole second) or, repeated, to its first occurrence, both not after `after`. So
  // they are skipped without resolving (Intl, slow): a per-second schedule would resolve a whole day's seconds.
  const earliestKey = wallKey(startWall);
  let date = Date.UTC(startWall.year, startWall.month - 1, startWall.day) - DAY;
  for (let i = 0; i < MAX_DAYS; i++, date += DAY) {
    const day = new Date(date);
    const y = day.getUTCFullYear();
    const m = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (!matchesDay(c, y, m, d)) continue;
    for (const hour of c.hours) {
      for (const minute of c.minutes) {
        for (const second of c.seconds) {
          const wall = { year: y, month: m, day: d, hour, minute, second };
          if (wallKey(wall) < earliestKey) continue;
          const resolved = resolveWallTime(wall, c.timeZone);
          if (resolved.instant > afterMs) return new Date(resolved.instant);
        }
      }
    }
  }
  throw new CronExpressionError(
    `cron expression "${c.expression}" is never due within ${MAX_DAYS / 366} years`,
  );
}

/**
 * The latest due instant in (`at` − window, `at`], or undefined when there is none (catch-up).
 */
export function lastRunWithin(c: CronCalendar, at: Date, windowMs: number): Date | undefined {
  let last: Date | undefined;
  let cursor = new Date(at.getTime() - windowMs);
  for (;;) {
    let next: Date;
    try {
      next = nextRunAfter(c, cursor);
    } catch {
      return last;
    }
    if (next.getTime() > at.getTime()) return last;
    last = next;
    cursor = next;
  }
}
