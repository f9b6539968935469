/** The shared CSV format (specs/reports.md §5.0): `;`, every field quoted, UTF-8 with BOM, a header row. */
import { cellText, type ReportTable } from './table.js';

const BOM = '\uFEFF';

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** The whole file as one string (BOM included). Reports are at most tens of MB. */
export function renderCsv(table: ReportTable): string {
  const lines: string[] = [table.columns.map((c) => quote(c.header)).join(';')];
  for (const row of table.rows) lines.push(row.map((c) => quote(cellText(c))).join(';'));
  return BOM + lines.join('\n') + '\n';
}
