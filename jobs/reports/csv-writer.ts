/** The shared CSV format (specs/reports.md §5.0): `;`, every field quoted, UTF-8 with BOM, a header row. */
import fs from 'node:fs';
import { cellText, type ReportTable } from './table.js';

const BOM = '\uFEFF';
const CHUNK = 256 * 1024;

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

function* csvLines(table: ReportTable): Generator<string> {
  yield table.columns.map((c) => quote(c.header)).join(';') + '\n';
  for (const row of table.rows) yield row.map((c) => quote(cellText(c))).join(';') + '\n';
}

/** The whole file as one string (BOM included); for small tables and tests. */
export function renderCsv(table: ReportTable): string {
  return BOM + [...csvLines(table)].join('');
}

/** Writes the file in chunks, so a large report is never one string in memory. */
export function writeCsv(table: ReportTable, file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    let buffer = BOM;
    for (const line of csvLines(table)) {
      buffer += line;
      if (buffer.length >= CHUNK) {
        fs.writeSync(fd, buffer, null, 'utf8');
        buffer = '';
      }
    }
    if (buffer) fs.writeSync(fd, buffer, null, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
