/**
 * Persons whose CPR number is missing, not 10 digits or not a real date; fictive numbers (day + 60) are valid
 * but listed as "fiktivt" so operators can review robots and test users (specs/reports.md decisions).
 */
import { checkCpr, maskCpr, type CprProblem } from './cpr.js';
import type { Person } from './snapshot-data.js';
import { compareText, text, type Cell, type ReportTable } from './table.js';

export const INVALID_CPR_FILE = 'Ugyldige CPR-numre';

export const PROBLEM_TEXT: Record<CprProblem | 'fictive', string> = {
  missing: 'mangler',
  format: 'ikke 10 cifre',
  date: 'ikke en gyldig dato',
  fictive: 'fiktivt',
};

export interface InvalidCprCounts {
  missing: number;
  format: number;
  date: number;
  fictive: number;
}

export function buildInvalidCpr(
  persons: Iterable<Person>,
  includeCpr: boolean,
): { table: ReportTable; counts: InvalidCprCounts } {
  const counts: InvalidCprCounts = { missing: 0, format: 0, date: 0, fictive: 0 };
  const rows: Cell[][] = [];
  for (const p of persons) {
    const check = checkCpr(p.cpr);
    if (check.kind === 'valid') continue;
    const problem = check.kind === 'fictive' ? 'fictive' : check.problem;
    counts[problem] += 1;
    rows.push([p.uuid, p.name, p.userKey, includeCpr ? p.cpr : maskCpr(p.cpr), PROBLEM_TEXT[problem]]);
  }
  rows.sort(
    (a, b) =>
      compareText(String(a[4]), String(b[4])) ||
      compareText(String(a[1]), String(b[1])) ||
      compareText(String(a[0]), String(b[0])),
  );
  return {
    table: {
      fileBase: INVALID_CPR_FILE,
      sheet: 'Personer',
      columns: ['Person UUID', 'Navn', 'BvN', 'CPR', 'Problem'].map(text),
      rows,
      containsCpr: includeCpr,
    },
    counts,
  };
}
