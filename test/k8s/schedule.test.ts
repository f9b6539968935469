/**
 * The Kubernetes/Argo schedule (specs/hosting.md §5, A4 and A10): refusals naming the key, and the DST guard.
 * A model of robfig/cron's documented behaviour (a missing local time does not fire, a repeated one fires twice)
 * plus the generated `when` rule (the controller sets lastScheduledTime only when it submits) must give exactly
 * one night per day 2026–2035, at the time our schedule daemon would run it.
 */
import { expect } from 'chai';
import { SettingsProblemsError } from '../../orchestrator/errors.js';
import { expandField, k8sCronProblem, k8sSchedule } from '../../orchestrator/k8s/schedule.js';
import { cronCalendar, nextRunAfter } from '../../orchestrator/scheduler/cron-calendar.js';
import { resolveWallTime, wallTimeOf } from '../../orchestrator/zoned-time.js';

const DAY = 86_400_000;

/** robfig/cron's fire instants of one 5-field line in [from, to), days given as `* * *` or numeric lists. */
function robfigFires(line: string, zone: string, from: number, to: number): number[] {
  const [m, h, dom, mon, dow] = line.split(' ') as [string, string, string, string, string];
  const minutes = expandField(m, [0, 59])!;
  const hours = expandField(h, [0, 23])!;
  const doms = expandField(dom, [1, 31])!;
  const months = expandField(mon, [1, 12])!;
  const dows = expandField(dow, [0, 7])!.map((d) => d % 7);
  const out: number[] = [];
  for (let t = from - DAY; t < to + DAY; t += DAY) {
    const w = wallTimeOf(t, 'UTC');
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    if (!doms.includes(w.day) || !months.includes(w.month) || !dows.includes(weekday)) continue;
    for (const hour of hours)
      for (const minute of minutes) {
        const r = resolveWallTime(
          { year: w.year, month: w.month, day: w.day, hour, minute, second: 0 },
          zone,
        );
        if (r.kind === 'normal') out.push(r.instant);
        if (r.kind === 'repeated') out.push(r.instant, r.second);
      }
  }
  return out.filter((t) => t >= from && t < to);
}

/** What the controller submits: every fire, merged and de-duplicated, kept when the `when` rule allows. */
function submitted(
  schedules: string[],
  zone: string,
  guardSeconds: number,
  from: number,
  to: number,
): number[] {
  const fires = [...new Set(schedules.flatMap((s) => robfigFires(s, zone, from, to)))].sort((a, b) => a - b);
  const out: number[] = [];
  let last: number | undefined;
  for (const t of fires) {
    if (last === undefined || (t - last) / 1000 > guardSeconds) {
      out.push(t);
      last = t;
    }
  }
  return out;
}

const localDay = (t: number, zone: string): string => {
  const w = wallTimeOf(t, zone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
};

describe('k8s schedule: the Kubernetes/Argo cron dialect', () => {
  for (const bad of [
    '0 2 * * * *',
    '0 2 L * *',
    '0 2 * * 1#2',
    '0 2 * JAN *',
    '0 2 * * MON',
    '0 25 * * *',
    '0 2 ? * *',
  ]) {
    it(`refuses "${bad}" naming runner.schedule`, () => {
      expect(k8sCronProblem(bad)).to.be.a('string');
      expect(() => k8sSchedule(bad, 'Europe/Copenhagen'))
        .to.throw(SettingsProblemsError)
        .with.property('message')
        .that.matches(/^runner\.schedule: /);
    });
  }
  it('refuses an unknown or non-IANA time zone naming runner.timezone', () => {
    expect(() => k8sSchedule('0 2 * * *', 'Mars/Olympus')).to.throw(/runner\.timezone: unknown time zone/);
    expect(() => k8sSchedule('0 2 * * *', 'CET')).to.throw(/runner\.timezone: .*IANA/);
  });
  it('adds the end of the spring gap for a 02:00 night in Copenhagen and a 4 h guard', () => {
    const s = k8sSchedule('0 2 * * *', 'Europe/Copenhagen');
    expect(s.schedules).to.deep.equal(['0 2 * * *', '0 3 * * *']);
    expect(s.guardSeconds).to.equal(4 * 3600);
    expect(s.when).to.include('> 14400');
    expect(k8sSchedule('0 12 * * *', 'Europe/Copenhagen').schedules).to.deep.equal(['0 12 * * *']);
  });
});

describe('k8s schedule: the DST guard gives one night per day, as the schedule daemon (A10)', function () {
  this.timeout(120_000);
  const cases: [string, string][] = [
    ['Europe/Copenhagen', '0 2 * * *'],
    ['Europe/Copenhagen', '30 2 * * *'],
    ['America/New_York', '15 2 * * *'],
    ['Australia/Sydney', '0 2 * * *'],
  ];
  for (const [zone, expression] of cases) {
    it(`${expression} in ${zone}, every day 2026–2035`, () => {
      const from = resolveWallTime(
        { year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0 },
        zone,
      ).instant;
      const to = resolveWallTime(
        { year: 2036, month: 1, day: 1, hour: 0, minute: 0, second: 0 },
        zone,
      ).instant;
      const k = k8sSchedule(expression, zone);
      const nights = submitted(k.schedules, zone, k.guardSeconds, from, to);
      const byDay = new Map<string, number[]>();
      for (const t of nights) byDay.set(localDay(t, zone), [...(byDay.get(localDay(t, zone)) ?? []), t]);
      const cal = cronCalendar(expression, zone);
      let days = 0;
      let differentInstant = 0;
      for (let cursor = from; cursor < to;) {
        const daemon = nextRunAfter(cal, new Date(cursor - 1)).getTime();
        if (daemon >= to) break;
        const day = localDay(daemon, zone);
        const argo = byDay.get(day) ?? [];
        expect(argo, `nights on ${day}`).to.have.length(1);
        if (argo[0] !== daemon) differentInstant++;
        days++;
        const w = wallTimeOf(daemon, zone);
        cursor = resolveWallTime(
          { year: w.year, month: w.month, day: w.day + 1, hour: 0, minute: 0, second: 0 },
          zone,
        ).instant;
        if (Number.isNaN(cursor)) cursor = daemon + DAY;
      }
      expect(days).to.be.greaterThan(3600);
      expect(byDay.size).to.equal(days);
      expect(differentInstant).to.equal(0);
    });
  }
});
