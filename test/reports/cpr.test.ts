import { expect } from 'chai';
import { ageFromCpr, centuryYear, checkCpr, maskCpr } from '../../jobs/reports/cpr.js';

type Expected = ['valid' | 'fictive', string] | ['invalid', 'missing' | 'format' | 'date'];

// [input, expected classification and birth date (YYYY-MM-DD) or problem]
const CASES: [string | null | undefined, Expected][] = [
  ['0101701234', ['valid', '1970-01-01']],
  ['010170-1234', ['valid', '1970-01-01']],
  [' 010170-1234 ', ['valid', '1970-01-01']],
  ['3112993999', ['valid', '1999-12-31']],
  // 7th digit 0-3: 1900s
  ['0101000123', ['valid', '1900-01-01']],
  ['0101003123', ['valid', '1900-01-01']],
  // 7th digit 4 or 9: 2000s up to yy 36, else 1900s
  ['0101364123', ['valid', '2036-01-01']],
  ['0101374123', ['valid', '1937-01-01']],
  ['0101369123', ['valid', '2036-01-01']],
  ['0101379123', ['valid', '1937-01-01']],
  // 7th digit 5-8: 2000s up to yy 57, else 1800s
  ['0101575123', ['valid', '2057-01-01']],
  ['0101585123', ['valid', '1858-01-01']],
  ['0101578123', ['valid', '2057-01-01']],
  ['0101998123', ['valid', '1899-01-01']],
  ['1503584123', ['valid', '1958-03-15']],
  // leap years
  ['2902961234', ['valid', '1996-02-29']],
  ['2902971234', ['invalid', 'date']],
  ['2902004123', ['valid', '2000-02-29']], // 2000: divisible by 400
  ['2902000123', ['invalid', 'date']], // 1900: divisible by 100, not 400
  ['2902045123', ['valid', '2004-02-29']],
  ['2902885123', ['valid', '1888-02-29']],
  ['2902895123', ['invalid', 'date']], // 1889
  // impossible dates
  ['3102801234', ['invalid', 'date']],
  ['3104801234', ['invalid', 'date']],
  ['0013801234', ['invalid', 'date']],
  ['0000801234', ['invalid', 'date']],
  ['3201801234', ['invalid', 'date']],
  // fictive: day + 60
  ['7511004645', ['fictive', '2000-11-15']],
  ['751100-4645', ['fictive', '2000-11-15']],
  ['6101701234', ['fictive', '1970-01-01']],
  ['9112991234', ['fictive', '1999-12-31']],
  ['9202961234', ['invalid', 'date']], // 32 February
  ['8902961234', ['fictive', '1996-02-29']],
  ['6002961234', ['invalid', 'date']], // day 60 is neither real (60) nor fictive (0)
  // format
  ['', ['invalid', 'missing']],
  ['   ', ['invalid', 'missing']],
  [null, ['invalid', 'missing']],
  [undefined, ['invalid', 'missing']],
  ['12345', ['invalid', 'format']],
  ['01017012345', ['invalid', 'format']],
  ['010170123', ['invalid', 'format']],
  ['010170_1234', ['invalid', 'format']],
  ['0101-701234', ['invalid', 'format']],
  ['01017O1234', ['invalid', 'format']],
  ['abcdefghij', ['invalid', 'format']],
];

describe('CPR validator', () => {
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} → ${expected.join(' ')}`, () => {
      const got = checkCpr(input);
      if (expected[0] === 'invalid') {
        expect(got).to.deep.equal({ kind: 'invalid', problem: expected[1] });
      } else {
        expect(got.kind).to.equal(expected[0]);
        const b = (got as { birthDate: { year: number; month: number; day: number } }).birthDate;
        const iso = `${b.year}-${String(b.month).padStart(2, '0')}-${String(b.day).padStart(2, '0')}`;
        expect(iso).to.equal(expected[1]);
      }
    });
  }

  it('has at least 30 cases', () => expect(CASES.length).to.be.at.least(30));

  it('applies the century rule at its boundaries', () => {
    expect([
      centuryYear(36, 4),
      centuryYear(37, 4),
      centuryYear(57, 8),
      centuryYear(58, 8),
      centuryYear(99, 3),
    ]).to.deep.equal([2036, 1937, 2057, 1858, 1999]);
  });

  it('computes whole years of age as of a date, empty for missing, invalid or future birth dates', () => {
    const today = { year: 2026, month: 6, day: 15 };
    expect(ageFromCpr('1506801234', today)).to.equal(46); // birthday today
    expect(ageFromCpr('1606801234', today)).to.equal(45); // birthday tomorrow
    expect(ageFromCpr('7511004645', today)).to.equal(25); // fictive
    expect(ageFromCpr('2902961234', { year: 2027, month: 2, day: 28 })).to.equal(30); // leap-day birthday not yet reached
    expect(ageFromCpr('2902961234', { year: 2027, month: 3, day: 1 })).to.equal(31);
    expect(ageFromCpr('', today)).to.equal(null);
    expect(ageFromCpr(null, today)).to.equal(null);
    expect(ageFromCpr('3102801234', today)).to.equal(null);
    expect(ageFromCpr('0101364123', today)).to.equal(null); // 2036: not born yet
  });

  it('masks to the birth-date part', () => {
    expect(maskCpr('0101701234')).to.equal('010170-XXXX');
    expect(maskCpr('010170-1234')).to.equal('010170-XXXX');
    expect(maskCpr('12345')).to.equal('12345?-XXXX');
    expect(maskCpr('')).to.equal('');
    expect(maskCpr(null)).to.equal('');
  });
});
