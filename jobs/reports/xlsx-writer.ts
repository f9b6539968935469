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
const WorkbookWriter = createRequire(import.meta.url)(
  'exceljs/lib/stream/xlsx/workbook-writer.js',
) as typeof ExcelJS.stream.xlsx.WorkbookWriter;

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
    for (let i = 0; i < table.rows.length; i++) {
      const row = sheet.addRow(table.rows[i]!.map(toValue));
      for (let j = 0; j < styles.length; j++) row.getCell(j + 1).style = styles[j]!;
      row.commit();
      if (i % YIELD_EVERY === YIELD_EVERY - 1) {
        signal?.throwIfAborted();
        await drain(sheet);
      }
    }
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
