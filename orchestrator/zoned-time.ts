/**
 * Wall-clock time in an IANA time zone with Intl only (no tz database of our own).
 * Resolves a local wall time to an instant, including the two DST edge cases:
 * a wall time that does not exist (spring forward) and one that occurs twice (fall back).
 */

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type WallResolution =
  /** The wall time exists once. */
  | { kind: 'normal'; instant: number }
  /** The wall time occurs twice (fall back); `instant` is the first occurrence. */
  | { kind: 'repeated'; instant: number; second: number }
  /** The wall time does not exist (spring forward); `instant` is the first valid instant after the gap. */
  | { kind: 'gap'; instant: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for an unknown time zone name. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The wall-clock fields of an instant (ms since epoch) in a time zone. */
export function wallTimeOf(instant: number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const w = wallTimeOf(at.getTime(), timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** `YYYY-MM-DD HH:MM:SS` of an instant in a time zone. */
export function localDateTime(at: Date, timeZone: string): string {
  return wallText(wallTimeOf(at.getTime(), timeZone), ' ');
}

function wallText(w: WallTime, sep: ' ' | 'T'): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}${sep}${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** The wall time read as if it were UTC, in ms: a monotone key for comparing wall times. */
export function wallKey(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** UTC offset of the zone at an instant, in ms (Copenhagen summer: +7_200_000). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallKey(wallTimeOf(whole, timeZone)) - whole;
}

const HOUR = 3_600_000;

/**
 * The instant(s) a wall time denotes. Assumes at most one offset change within ±12 h of it,
 * which holds for every real time zone.
 */
export function resolveWallTime(w: WallTime, timeZone: string): WallResolution {
  const key = wallKey(w);
  const before = offsetAt(key - 12 * HOUR, timeZone);
  const after = offsetAt(key + 12 * HOUR, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => key - offset)
    .filter((instant) => offsetAt(instant, timeZone) === key - instant)
    .sort((a, b) => a - b);
  const [first, second] = candidates;
  if (first !== undefined && second !== undefined) return { kind: 'repeated', instant: first, second };
  if (first !== undefined) return { kind: 'normal', instant: first };
  return { kind: 'gap', instant: transitionBetween(key - before, key - after, timeZone) };
}

/**
 * The first instant (whole second) at which the offset differs from the offset at `lo`,
 * searched in [lo, hi]. Used to find the end of a spring-forward gap.
 */
function transitionBetween(a: number, b: number, timeZone: string): number {
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  const startOffset = offsetAt(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (offsetAt(mid, timeZone) === startOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** `+01:00` / `-03:30` / `+00:00`: the zone's UTC offset at an instant. */
export function offsetText(at: Date, timeZone: string): string {
  return formatOffset(offsetAt(at.getTime(), timeZone));
}

function formatOffset(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** ISO 8601 with the zone's offset, for files: `2026-12-01T02:00:03+01:00` (`.123` with `millis`). */
export function isoWithOffset(at: Date, timeZone: string, opts: { millis?: boolean } = {}): string {
  const ms = opts.millis ? `.${pad(((at.getTime() % 1000) + 1000) % 1000, 3)}` : '';
  const { local, offset } = secondText(at, timeZone);
  return `${local}${ms}${offset}`;
}

/** The last second formatted per zone: every log line is stamped, and Intl costs ~4 µs a call. */
const lastSecond = new Map<string, { second: number; local: string; offset: string }>();

function secondText(at: Date, timeZone: string): { local: string; offset: string } {
  const second = Math.floor(at.getTime() / 1000);
  const cached = lastSecond.get(timeZone);
  if (cached?.second === second) return cached;
  // one Intl call: the offset is the wall time of the whole second read as UTC, minus that second
  const w = wallTimeOf(second * 1000, timeZone);
  const text = { second, local: wallText(w, 'T'), offset: formatOffset(wallKey(w) - second * 1000) };
  lastSecond.set(timeZone, text);
  return text;
}

/** For people: `2026-12-01 02:00:03 +01:00`, the one way the CLI shows a moment. */
export function displayTime(at: Date, timeZone: string): string {
  return `${localDateTime(at, timeZone)} ${offsetText(at, timeZone)}`;
}

/** `HH:MM:SS` of an instant in a time zone (console lines, table cells under a header that gives the offset). */
export function localClock(at: Date, timeZone: string): string {
  return localDateTime(at, timeZone).slice(11);
}
