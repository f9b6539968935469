/**
 * `runner.schedule` in the Kubernetes/Argo cron dialect, with the DST guard of specs/hosting.md §5.
 *
 * robfig/cron (Argo, CronJob) does not fire a wall time that does not exist and fires a repeated one twice. Our
 * schedule daemon instead runs a night in a spring gap once, at the end of the gap, and a repeated time once. The
 * guard reproduces that: for every intended time that falls in a spring gap (2026–2035) the first valid time after
 * the gap is added as an extra schedule, and a `when` rule skips any start less than T after the last submitted
 * one, with T = min(4 h, half the shortest gap between two intended nights).
 */
import { offsetAt, resolveWallTime, wallTimeOf } from '../zoned-time.js';
import { SettingsProblemsError } from '../errors.js';
import { scheduleSpec, timezoneSpec } from '../runner-settings.js';

export interface K8sSchedule {
  schedules: string[];
  /** Argo `when` expression of the CronWorkflow. */
  when: string;
  /** T of the guard, in seconds. */
  guardSeconds: number;
  timezone: string;
}

/** Years whose spring gaps are looked for (a render is re-done long before 2035). */
export const GUARD_YEARS = [2026, 2035] as const;

const FIELD = /^[0-9*,/-]+$/;
const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** Expands one numeric cron field (`*`, `a-b`, `*\/n`, `a-b/n`, lists); undefined when it is not valid. */
export function expandField(field: string, [lo, hi]: [number, number]): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (step < 1) return undefined;
    let from = lo;
    let to = hi;
    if (m[1] !== '*') {
      from = Number(m[2]);
      to = m[3] === undefined ? (m[4] === undefined ? from : hi) : Number(m[3]);
    }
    if (from < lo || to > hi || from > to) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Why the expression cannot be a Kubernetes/Argo schedule, or undefined when it can. */
export function k8sCronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return `"${expression}" has ${fields.length} fields; Kubernetes and Argo take exactly 5 (minute hour day month weekday), no seconds`;
  for (const [i, f] of fields.entries()) {
    if (!FIELD.test(f))
      return `"${expression}": field "${f}" uses names or node-cron extras (L, #, ?); Kubernetes and Argo take numbers, *, -, / and , only`;
    if (!expandField(f, RANGES[i]!)) return `"${expression}": field "${f}" is out of range or malformed`;
  }
  return undefined;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Builds the schedules and the guard; throws SettingsProblemsError naming the key. */
export function k8sSchedule(expression: string, timezone: string): K8sSchedule {
  const problem = k8sCronProblem(expression);
  const problems = [];
  if (problem) problems.push({ key: scheduleSpec.key, message: problem });
  if (!validTimeZone(timezone))
    problems.push({ key: timezoneSpec.key, message: `unknown time zone "${timezone}"` });
  else if (!timezone.includes('/') && timezone !== 'UTC')
    problems.push({
      key: timezoneSpec.key,
      message: `"${timezone}" is not an IANA zone name like Europe/Copenhagen (Argo stopped triggering on CET)`,
    });
  if (problems.length) throw new SettingsProblemsError(problems);
  const [minF, hourF, domF, monF, dowF] = expression.trim().split(/\s+/) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = expandField(minF, RANGES[0]!)!;
  const hours = expandField(hourF, RANGES[1]!)!;

  // Extra times: the end of each spring gap an intended time falls in. Only days around an offset change can
  // have a gap, so the offset at noon is compared day by day.
  const extra = new Set<string>();
  const DAY = 86_400_000;
  let previous = offsetAt(Date.UTC(GUARD_YEARS[0], 0, 1, 12), timezone);
  for (let t = Date.UTC(GUARD_YEARS[0], 0, 2, 12); t < Date.UTC(GUARD_YEARS[1] + 1, 0, 1); t += DAY) {
    const offset = offsetAt(t, timezone);
    if (offset === previous) continue;
    previous = offset;
    for (const at of [t - DAY, t]) {
      const d = new Date(at);
      for (const hour of hours)
        for (const minute of minutes) {
          const wall = {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour,
            minute,
            second: 0,
          };
          const r = resolveWallTime(wall, timezone);
          if (r.kind !== 'gap') continue;
          const end = wallTimeOf(r.instant, timezone);
          extra.add(`${end.minute} ${end.hour}`);
        }
    }
  }
  const own = new Set(hours.flatMap((h) => minutes.map((m) => `${m} ${h}`)));
  const schedules = [
    expression.trim().split(/\s+/).join(' '),
    ...[...extra].filter((t) => !own.has(t)).map((t) => `${t} ${domF} ${monF} ${dowF}`),
  ];

  // T: half the shortest gap between two intended times of a day (24 h between days), at most 4 h.
  const times = [...own].map((t) => t.split(' ').map(Number) as [number, number]).map(([m, h]) => h * 60 + m);
  times.sort((a, b) => a - b);
  let shortest = 24 * 60;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
  if (times.length > 1) shortest = Math.min(shortest, 24 * 60 - times.at(-1)! + times[0]!);
  const guardSeconds = Math.min(4 * 3600, (shortest * 60) / 2);
  const when = `{{= cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > ${guardSeconds} }}`;
  return { schedules, when, guardSeconds, timezone };
}
