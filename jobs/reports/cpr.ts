/**
 * Danish CPR numbers: format, birth date (with the 7th-digit century rule) and fictive numbers (day + 60).
 * The modulus-11 check is deliberately not applied: CPR numbers without it have been issued since 2007.
 */

export type CprProblem = 'missing' | 'format' | 'date';

export type CprCheck =
  | { kind: 'valid'; birthDate: BirthDate }
  | { kind: 'fictive'; birthDate: BirthDate }
  | { kind: 'invalid'; problem: CprProblem };

export interface BirthDate {
  year: number;
  month: number;
  day: number;
}

const CPR_SHAPE = /^(\d{2})(\d{2})(\d{2})-?(\d)(\d{3})$/;

/** The full year from the two-digit year and the first digit of the serial number (CPR office rule). */
export function centuryYear(yy: number, seventhDigit: number): number {
  if (seventhDigit <= 3) return 1900 + yy;
  if (seventhDigit === 4 || seventhDigit === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Classifies a CPR number given as 10 digits, with or without a dash after the 6th. */
export function checkCpr(raw: string | null | undefined): CprCheck {
  const value = (raw ?? '').trim();
  if (value === '') return { kind: 'invalid', problem: 'missing' };
  const m = CPR_SHAPE.exec(value);
  if (!m) return { kind: 'invalid', problem: 'format' };
  let day = Number(m[1]);
  const month = Number(m[2]);
  const year = centuryYear(Number(m[3]), Number(m[4]));
  const fictive = day > 60;
  if (fictive) day -= 60;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { kind: 'invalid', problem: 'date' };
  }
  return { kind: fictive ? 'fictive' : 'valid', birthDate: { year, month, day } };
}

/** Whole years from the birth date to `today`; null for an unusable CPR or a birth date after today. */
export function ageFromCpr(raw: string | null | undefined, today: BirthDate): number | null {
  const check = checkCpr(raw);
  if (check.kind === 'invalid') return null;
  const b = check.birthDate;
  let age = today.year - b.year;
  if (today.month < b.month || (today.month === b.month && today.day < b.day)) age -= 1;
  return age < 0 ? null : age;
}

/** `DDMMYY-XXXX`: the birth-date part only, never the serial number. Empty for a missing value. */
export function maskCpr(raw: string | null | undefined): string {
  const digits = (raw ?? '').replace(/\D/g, '');
  if (digits === '' && (raw ?? '').trim() === '') return '';
  return `${digits.slice(0, 6).padEnd(6, '?')}-XXXX`;
}
