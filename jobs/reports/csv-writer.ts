/**
 * The shared CSV format (specs/reports.md §5.0): `;`, every field quoted (`"` doubled), UTF-8 with BOM, `\n`
 * line ends, a header row.
 */
import fs from 'node:fs';
import { quotedCsv } from '../quoted-csv.js';
import { cellText, type ReportTable } from './table.js';

const BOM = '\uFEFF';
/** Rows per write, so a large report is never one string in memory. */
const BATCH = 2000;

function* csvChunks(table: ReportTable): Generator<string> {
  yield BOM + quotedCsv([table.columns.map((c) => c.header)], '\n');
  for (let i = 0; i < table.rows.length; i += BATCH)
    yield quotedCsv(
      table.rows.slice(i, i + BATCH).map((row) => row.map(cellText)),
      '\n',
    );
}

/** The whole file as one string (BOM included); for small tables and tests. */
export function renderCsv(table: ReportTable): string {
  return [...csvChunks(table)].join('');
}

/** Writes the file in batches of rows. */
export function writeCsv(table: ReportTable, file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const chunk of csvChunks(table)) fs.writeSync(fd, chunk, null, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
