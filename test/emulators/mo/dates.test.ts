import { expect } from 'chai';
import { filterWindow, parseDateInput, toMoDateTime } from './dates.js';

describe('MO emulator dates', () => {
  it('prints validity dates as Copenhagen midnight with the DST offset of that day', () => {
    expect(toMoDateTime('2026-01-15')).to.equal('2026-01-15T00:00:00+01:00');
    expect(toMoDateTime('2026-03-29')).to.equal('2026-03-29T00:00:00+01:00');
    expect(toMoDateTime('2026-03-30')).to.equal('2026-03-30T00:00:00+02:00');
    expect(toMoDateTime('2026-10-25')).to.equal('2026-10-25T00:00:00+02:00');
    expect(toMoDateTime('2026-10-26')).to.equal('2026-10-26T00:00:00+01:00');
    expect(toMoDateTime(null)).to.equal(null);
  });

  it('reads DateTime arguments as the Copenhagen date they fall on', () => {
    expect(parseDateInput('2026-11-23')).to.equal('2026-11-23');
    expect(parseDateInput('2026-11-22T23:30:00Z')).to.equal('2026-11-23');
    expect(parseDateInput('2026-11-23T00:00:00+01:00')).to.equal('2026-11-23');
    expect(parseDateInput('2026-11-23T10:00:00')).to.equal('2026-11-23');
    expect(() => parseDateInput('23/11/2026')).to.throw(/Invalid DateTime/);
    expect(() => parseDateInput(5)).to.throw(/Invalid DateTime/);
  });

  it('filter windows: omitted = now, null = unbounded, to_date omitted = from_date', () => {
    const now = '2026-11-23';
    expect(filterWindow(undefined, now)).to.deep.equal({ start: now, end: now });
    expect(filterWindow({ from_date: null, to_date: null }, now)).to.deep.equal({ start: null, end: null });
    expect(filterWindow({ from_date: now, to_date: null }, now)).to.deep.equal({ start: now, end: null });
    expect(filterWindow({ from_date: '2027-01-01' }, now)).to.deep.equal({
      start: '2027-01-01',
      end: '2027-01-01',
    });
    expect(filterWindow({ from_date: null }, now)).to.deep.equal({ start: null, end: now });
  });
});
