/**
 * The project's one CSV writer: `;`-separated, every field quoted and `"` doubled, the format of the reports
 * (`\n`) and of the CPR map (`\r\n`). Quoting and escaping are csv-stringify's; this module only fixes the
 * options. Callers pass rows in batches, so a large file is never one string in memory.
 */
import { stringify, type Options } from 'csv-stringify/sync';

export type CsvField = string | null | undefined;
export type LineEnd = '\n' | '\r\n';

const formats: Record<LineEnd, Options> = {
  '\n': { delimiter: ';', quoted: true, quoted_empty: true, record_delimiter: 'unix' },
  '\r\n': { delimiter: ';', quoted: true, quoted_empty: true, record_delimiter: 'windows' },
};

/** The lines of `rows` (each ended by `lineEnd`); a missing field is an empty quoted field. */
export function quotedCsv(rows: readonly (readonly CsvField[])[], lineEnd: LineEnd): string {
  return stringify(
    rows.map((r) => r.map((f) => f ?? '')),
    formats[lineEnd],
  );
}
