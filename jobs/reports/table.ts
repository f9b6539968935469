/** A report as data: columns with their kinds and rows of cells, independent of the file format. */

/** A snapshot date `YYYY-MM-DD`, written as a real date in XLSX. */
export interface DateCell {
  date: string;
}

export type Cell = string | number | DateCell | null;

export type ColumnKind = 'text' | 'number' | 'date';

export interface ColumnSpec {
  header: string;
  kind: ColumnKind;
}

export interface ReportTable {
  /** File name without extension, e.g. `Alle Stillinger OS2mo`. */
  fileBase: string;
  /** XLSX worksheet name (at most 31 characters). */
  sheet: string;
  columns: ColumnSpec[];
  rows: Cell[][];
  /** The table holds CPR numbers: its files are mode 0600. */
  containsCpr: boolean;
}

export const text = (header: string): ColumnSpec => ({ header, kind: 'text' });
export const number = (header: string): ColumnSpec => ({ header, kind: 'number' });
export const date = (header: string): ColumnSpec => ({ header, kind: 'date' });

/** A snapshot validity date as a cell; the open ends `0001-01-01`/`9999-12-31` and null are empty. */
export function dateCell(value: string | null | undefined): DateCell | null {
  if (!value || value.startsWith('9999-12-31') || value.startsWith('0001-01-01')) return null;
  return { date: value.slice(0, 10) };
}

/** The text of a cell as written to CSV and used for column widths. */
export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'object') return cell.date;
  return String(cell);
}

/** Plain code-unit comparison, like Python's string ordering (specs/reports.md §5.3 sorting). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
