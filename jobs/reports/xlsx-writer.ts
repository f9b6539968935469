/**
 * XLSX with exceljs's streaming writer: one sheet, bold header, autofilter over every row and column, widths
 * fitted to the longest value, numbers as numbers and dates as dates. Rows are committed as they are written,
 * so the workbook is never held whole in memory.
 */
import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';
import { cellText, type Cell, type ReportTable } from './table.js';

/**
 * Only exceljs's streaming writer: the package's entry loads the whole library (readers, CSV, unzipper), which
 * costs each report's process 150-300 ms of start-up for code it never runs.
 */
const requireCjs = createRequire(import.meta.url);
const WorkbookWriter = requireCjs(
  'exceljs/lib/stream/xlsx/workbook-writer.js',
) as typeof ExcelJS.stream.xlsx.WorkbookWriter;
const { xmlEncode, dateToExcel } = requireCjs('exceljs/lib/utils/utils.js') as {
  xmlEncode(text: string): string;
  dateToExcel(d: Date, date1904?: boolean): number;
};
const colCache = requireCjs('exceljs/lib/utils/col-cache.js') as { n2l(n: number): string };

const MAX_WIDTH = 80;
const YIELD_EVERY = 200;
const MAX_BACKLOG = 4 * 1024 * 1024;
const PLAIN_STYLE: Partial<ExcelJS.Style> = {};
const DATE_STYLE: Partial<ExcelJS.Style> = { numFmt: 'yyyy-mm-dd' };

/** Column widths: the longest value in each column, header included (specs/reports.md §5.0). */
export function fittedWidths(table: ReportTable): number[] {
  const widths = table.columns.map((c) => c.header.length);
  for (const row of table.rows) {
    for (let i = 0; i < row.length; i++) {
      const len = cellText(row[i] ?? null).length;
      if (len > widths[i]!) widths[i] = len;
    }
  }
  return widths.map((w) => Math.min(MAX_WIDTH, w + 2));
}

function toValue(cell: Cell): ExcelJS.CellValue {
  if (cell === null) return null;
  if (typeof cell === 'object') {
    const d = new Date(`${cell.date}T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? cell.date : d;
  }
  return cell;
}

/**
 * exceljs pushes committed rows into the zip writer without backpressure, so a fast producer piles the whole
 * sheet's XML up in memory ahead of the compressor (≈50 MB for fixture L). Wait while more than MAX_BACKLOG
 * bytes are queued. This reads exceljs/archiver internals; if they change, `backlog` is 0 and we only yield.
 */
async function drain(sheet: ExcelJS.Worksheet): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  for (let waited = 0; backlog(sheet) > MAX_BACKLOG && waited < 10_000; waited += 2) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function backlog(sheet: ExcelJS.Worksheet): number {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  let bytes = 0;
  for (const p of pipes ?? []) {
    // archiver's PassThrough is a readable-stream v2 stream: no writableLength, only the internal states.
    const s = p as { _writableState?: { length?: number }; _readableState?: { length?: number } };
    bytes += (s._writableState?.length ?? 0) + (s._readableState?.length ?? 0);
  }
  return bytes;
}

function widestRow(table: ReportTable): number {
  let n = 0;
  for (const row of table.rows) if (row.length > n) n = row.length;
  return n;
}

/**
 * One `<row>` as exceljs renders a committed row whose every cell (one per column) has its column's style: a
 * null cell is left out unless its style has an id (`<c r="C3" s="2"/>`), strings are `t="str"`, dates are
 * Excel serial numbers, text is escaped by exceljs's own `xmlEncode`. A row without a value is not written.
 */
export function rowXml(
  row: readonly Cell[],
  rowNumber: number,
  ids: readonly number[],
  letters: readonly string[],
): string {
  const columns = Math.max(row.length, ids.length);
  let cells = '';
  let hasValue = false;
  for (let j = 0; j < columns; j++) {
    const cell = row[j] ?? null;
    const id = ids[j] ?? 0;
    const ref = `${letters[j]}${rowNumber}`;
    const s = id ? ` s="${id}"` : '';
    if (cell === null) {
      if (id) cells += `<c r="${ref}"${s}/>`;
      continue;
    }
    hasValue = true;
    if (typeof cell === 'number') cells += `<c r="${ref}"${s}><v>${xmlEncode(String(cell))}</v></c>`;
    else if (typeof cell === 'string') cells += `<c r="${ref}"${s} t="str"><v>${xmlEncode(cell)}</v></c>`;
    else {
      const value = toValue(cell);
      cells +=
        value instanceof Date
          ? `<c r="${ref}"${s}><v>${dateToExcel(value, false)}</v></c>`
          : `<c r="${ref}"${s} t="str"><v>${xmlEncode(String(value))}</v></c>`;
    }
  }
  if (!hasValue) return '';
  return `<row r="${rowNumber}" spans="1:${columns}" x14ac:dyDescent="0.25">${cells}</row>`;
}

// exceljs internals the fast rows use (test/reports/output.test.ts compares with exceljs's own rendering)
function workbookStyles(workbook: ExcelJS.stream.xlsx.WorkbookWriter): {
  addStyleModel(style: Partial<ExcelJS.Style>): number | undefined;
} {
  return (workbook as unknown as { styles: ReturnType<typeof workbookStyles> }).styles;
}

function sheetStream(sheet: ExcelJS.Worksheet): { write(text: string): unknown } {
  return (sheet as unknown as { stream: { write(text: string): unknown } }).stream;
}

/** After rows written past exceljs: the number of the next row, as its own commits would have left it. */
function setNextRow(sheet: ExcelJS.Worksheet, next: number): void {
  (sheet as unknown as { _rowZero: number })._rowZero = next;
}

/** A legal worksheet name: at most 31 characters, none of `[]:*?/\`. */
export function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1';
}

export async function writeXlsx(table: ReportTable, filename: string, signal?: AbortSignal): Promise<void> {
  const workbook = new WorkbookWriter({
    filename,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(sheetName(table.sheet));
  const widths = fittedWidths(table);
  sheet.columns = table.columns.map((c, i) => ({ header: c.header, width: widths[i] }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.commit();
  try {
    // One shared style object per column: exceljs caches a style's id by object identity, whereas the
    // per-cell style objects it would otherwise create cost a full style lookup for every cell (2-3× slower).
    const styles = table.columns.map((c) => (c.kind === 'date' ? DATE_STYLE : PLAIN_STYLE));
    // The first data row goes through exceljs, which assigns the styles their ids in its own order; the others
    // are rendered here as exceljs would render them, without its Row and Cell objects per cell, which cost
    // most of a large report's time (test/reports/output.test.ts compares both renderings).
    const first = table.rows[0];
    if (first) {
      const row = sheet.addRow(first.map(toValue));
      for (let j = 0; j < styles.length; j++) row.getCell(j + 1).style = styles[j]!;
      row.commit();
    }
    const ids = styles.map((st) => workbookStyles(workbook).addStyleModel(st) ?? 0);
    const letters = Array.from({ length: Math.max(styles.length, widestRow(table)) }, (_, j) =>
      colCache.n2l(j + 1),
    );
    const out = sheetStream(sheet);
    let xml = '';
    for (let i = 1; i < table.rows.length; i++) {
      xml += rowXml(table.rows[i]!, i + 2, ids, letters);
      if (i % YIELD_EVERY === 0) {
        out.write(xml);
        xml = '';
        signal?.throwIfAborted();
        await drain(sheet);
      }
    }
    if (xml) out.write(xml);
    if (table.rows.length > 1) setNextRow(sheet, table.rows.length + 2);
    sheet.autoFilter = {
      from: { row: 1, column: 1 },
      to: { row: table.rows.length + 1, column: Math.max(1, table.columns.length) },
    };
    sheet.commit();
    await workbook.commit();
  } catch (err) {
    await closeStream(workbook);
    throw err;
  }
}

/**
 * Closes the workbook's file stream after a failure (e.g. cancelled), so the caller's clean-up removes the file
 * for good: a stream whose asynchronous open is still pending would otherwise create the file after it was removed.
 */
async function closeStream(workbook: ExcelJS.stream.xlsx.WorkbookWriter): Promise<void> {
  const stream = (
    workbook as unknown as { stream?: NodeJS.WritableStream & { closed?: boolean; destroy(): void } }
  ).stream;
  if (!stream || stream.closed) return;
  await new Promise<void>((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}
