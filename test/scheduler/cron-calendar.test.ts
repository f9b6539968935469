import { expect } from 'chai';
import {
  CronExpressionError,
  cronCalendar,
  lastRunWithin,
  nextRunAfter,
} from '../../orchestrator/scheduler/cron-calendar.js';
import { resolveWallTime } from '../../orchestrator/zoned-time.js';

const CPH = 'Europe/Copenhagen';

function runs(expr: string, fromIso: string, count: number, tz = CPH): string[] {
  const c = cronCalendar(expr, tz);
  const out: string[] = [];
  let t = new Date(fromIso);
  for (let i = 0; i < count; i++) {
    t = nextRunAfter(c, t);
    out.push(t.toISOString());
  }
  return out;
}

describe('scheduler/cron-calendar', () => {
  it('runs the default schedule at 02:00 Copenhagen time in winter (UTC+1) and summer (UTC+2)', () => {
    expect(runs('0 2 * * *', '2026-01-10T12:00:00Z', 2)).to.deep.equal([
      '2026-01-11T01:00:00.000Z',
      '2026-01-12T01:00:00.000Z',
    ]);
    expect(runs('0 2 * * *', '2026-07-10T12:00:00Z', 1)).to.deep.equal(['2026-07-11T00:00:00.000Z']);
  });

  it('is strictly after the given instant', () => {
    expect(runs('0 2 * * *', '2026-01-11T01:00:00Z', 1)).to.deep.equal(['2026-01-12T01:00:00.000Z']);
    expect(runs('0 2 * * *', '2026-01-11T00:59:59.999Z', 1)).to.deep.equal(['2026-01-11T01:00:00.000Z']);
  });

  describe('spring forward (Sunday 29 March 2026: 02:00 → 03:00)', () => {
    it('runs a time inside the gap (02:30) at the first valid minute after it (03:00 CEST), once', () => {
      expect(runs('30 2 * * *', '2026-03-28T12:00:00Z', 3)).to.deep.equal([
        '2026-03-29T01:00:00.000Z', // 03:00 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-03-31T00:30:00.000Z',
      ]);
    });

    it('runs 02:00 (the first missing minute) at 03:00 too', () => {
      expect(runs('0 2 * * *', '2026-03-28T12:00:00Z', 2)).to.deep.equal([
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:00:00.000Z',
      ]);
    });

    it('runs several missing times once, and 03:00 itself is not a second run', () => {
      expect(runs('*/15 2-3 * * *', '2026-03-29T00:00:00Z', 5)).to.deep.equal([
        '2026-03-29T01:00:00.000Z', // 02:00, 02:15, 02:30, 02:45 and 03:00 collapse
        '2026-03-29T01:15:00.000Z', // 03:15
        '2026-03-29T01:30:00.000Z',
        '2026-03-29T01:45:00.000Z',
        '2026-03-30T00:00:00.000Z', // next day 02:00 CEST
      ]);
    });

    it('leaves times outside the gap alone that day', () => {
      expect(runs('30 1 * * *', '2026-03-28T12:00:00Z', 1)).to.deep.equal(['2026-03-29T00:30:00.000Z']);
      expect(runs('30 3 * * *', '2026-03-28T12:00:00Z', 1)).to.deep.equal(['2026-03-29T01:30:00.000Z']);
    });
  });

  describe('fall back (Sunday 25 October 2026: 03:00 → 02:00)', () => {
    it('runs a time that occurs twice (02:30) once, at its first occurrence', () => {
      expect(runs('30 2 * * *', '2026-10-24T12:00:00Z', 2)).to.deep.equal([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET (01:30Z) is not a run
        '2026-10-26T01:30:00.000Z', // 02:30 CET next day
      ]);
    });

    it('does not repeat the doubled hour for an every-30-minutes schedule', () => {
      expect(runs('*/30 2-3 * * *', '2026-10-24T23:59:00Z', 5)).to.deep.equal([
        '2026-10-25T00:00:00.000Z', // 02:00 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T02:00:00.000Z', // 03:00 CET (the second 02:00/02:30 skipped)
        '2026-10-25T02:30:00.000Z',
        '2026-10-26T01:00:00.000Z',
      ]);
    });

    it('after the first occurrence has run, the second is not due', () => {
      expect(runs('30 2 * * *', '2026-10-25T00:30:00Z', 1)).to.deep.equal(['2026-10-26T01:30:00.000Z']);
    });
  });

  it('resolves wall times as normal, repeated or gap', () => {
    const w = (month: number, day: number, hour: number, minute: number) => ({
      year: 2026,
      month,
      day,
      hour,
      minute,
      second: 0,
    });
    expect(resolveWallTime(w(1, 5, 2, 0), CPH)).to.deep.equal({
      kind: 'normal',
      instant: Date.parse('2026-01-05T01:00:00Z'),
    });
    expect(resolveWallTime(w(3, 29, 2, 30), CPH)).to.deep.equal({
      kind: 'gap',
      instant: Date.parse('2026-03-29T01:00:00Z'),
    });
    expect(resolveWallTime(w(10, 25, 2, 30), CPH)).to.deep.equal({
      kind: 'repeated',
      instant: Date.parse('2026-10-25T00:30:00Z'),
      second: Date.parse('2026-10-25T01:30:00Z'),
    });
  });

  it('follows node-cron day rules: names, L, nth weekday', () => {
    expect(runs('0 6 * * mon', '2026-11-23T12:00:00Z', 1)).to.deep.equal(['2026-11-30T05:00:00.000Z']);
    expect(runs('0 0 L * *', '2026-02-01T00:00:00Z', 1)).to.deep.equal(['2026-02-27T23:00:00.000Z']);
    expect(runs('0 12 * * 1#2', '2026-11-01T00:00:00Z', 1)).to.deep.equal(['2026-11-09T11:00:00.000Z']);
    expect(runs('0 3 * * 0L', '2026-03-01T00:00:00Z', 1)).to.deep.equal(['2026-03-29T01:00:00.000Z']);
  });

  it('works in other zones (UTC has no DST)', () => {
    expect(runs('30 2 * * *', '2026-03-28T12:00:00Z', 2, 'UTC')).to.deep.equal([
      '2026-03-29T02:30:00.000Z',
      '2026-03-30T02:30:00.000Z',
    ]);
  });

  it('rejects a bad expression and an unknown time zone with one line', () => {
    expect(() => cronCalendar('61 2 * * *', CPH)).to.throw(
      CronExpressionError,
      /invalid cron expression "61 2 \* \* \*"/,
    );
    expect(() => cronCalendar('nonsense', CPH)).to.throw(CronExpressionError, /invalid cron expression/);
    expect(() => cronCalendar('0 2 * * *', 'Europe/Atlantis')).to.throw(
      RangeError,
      /unknown time zone "Europe\/Atlantis"/,
    );
    expect(() => nextRunAfter(cronCalendar('0 0 29 2 1', CPH), new Date())).to.throw(
      CronExpressionError,
      /never due/,
    );
  });

  describe('lastRunWithin (catch-up)', () => {
    const c = cronCalendar('0 2 * * *', CPH);
    const sixHours = 6 * 3600_000;
    it('finds the most recent due time inside the window', () => {
      expect(lastRunWithin(c, new Date('2026-11-23T04:00:00Z'), sixHours)?.toISOString()).to.equal(
        '2026-11-23T01:00:00.000Z',
      );
    });
    it('finds nothing when the last due time is older than the window', () => {
      expect(lastRunWithin(c, new Date('2026-11-23T07:00:01Z'), sixHours)).to.equal(undefined);
    });
    it('takes only the latest of several due times', () => {
      const hourly = cronCalendar('0 * * * *', CPH);
      expect(lastRunWithin(hourly, new Date('2026-11-23T04:30:00Z'), sixHours)?.toISOString()).to.equal(
        '2026-11-23T04:00:00.000Z',
      );
    });
  });
});
