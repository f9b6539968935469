/**
 * The one table helper (cli-table3), borderless: columns two spaces apart. Tables fit `width` columns
 * (the terminal's, 80 when output is not a terminal): the columns named `wrap` give up width and wrap
 * their text; `wide` keeps every column at full width.
 */
import Table from 'cli-table3';

const GAP = 2;
/** A wrapping column is never narrowed below this (default of `minWrap`). */
const MIN_WRAP = 8;

const noBorders = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' '.repeat(GAP),
};

export interface TableOptions {
  /** Indices of the columns that may wrap (messages, lists). */
  wrap?: number[];
  /** Total width to fit; default: `terminalWidth()`. */
  width?: number;
  /** Full width: nothing wraps. */
  wide?: boolean;
  /** The narrowest a wrapping column gets (default 8); a table that cannot fit then runs past the width. */
  minWrap?: number;
  /** Colours a cell after layout (row index counts data rows from 0, header excluded). */
  colour?: (row: number, column: number, text: string) => string;
}

/** The width tables fit: the terminal's columns, else `$COLUMNS`, else 80. */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: Record<string, string | undefined> = process.env,
): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 20 ? fromEnv : 80;
}

const widthOf = (s: string): number => Math.max(0, ...s.split('\n').map((l) => [...l].length));

/** The widths each column gets: natural, except the widest wrapping column narrowed, one at a time, until the table fits. */
export function columnWidths(rows: readonly string[][], opts: TableOptions): number[] {
  const natural = rows[0]!.map((_, i) => Math.max(...rows.map((r) => widthOf(r[i] ?? ''))));
  if (opts.wide) return natural;
  const width = opts.width ?? terminalWidth();
  const widths = [...natural];
  const wrap = (opts.wrap ?? []).filter((i) => i < widths.length);
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (total() > width) {
    const widest = wrap
      .filter((i) => widths[i]! > (opts.minWrap ?? MIN_WRAP))
      .sort((a, b) => widths[b]! - widths[a]!)[0];
    if (widest === undefined) break;
    widths[widest] = widths[widest]! - 1;
  }
  return widths;
}

/** Lines of a table whose first row is the header. */
export function renderTable(rows: readonly string[][], opts: TableOptions = {}): string[] {
  const widths = columnWidths(rows, opts);
  const table = new Table({
    head: rows[0]!,
    chars: noBorders,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colWidths: widths,
    wordWrap: true,
    wrapOnWordBoundary: true,
  });
  const colour = opts.colour;
  for (const [r, row] of rows.slice(1).entries()) {
    table.push(
      row.map((cell, c) => ({
        content: colour ? colour(r, c, cell) : cell,
        // a word wider than its column (a settings key, a job name) is broken, not cut off with "…"
        wrapOnWordBoundary: !cell.split(/\s+/).some((word) => [...word].length > widths[c]!),
      })),
    );
  }
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd());
}
