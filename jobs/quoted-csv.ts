/**
 * One line of CSV with every field quoted and `"` doubled: the format of the reports (`;`, `\n`) and of the CPR
 * map (`;`, `\r\n`). Built by string concatenation: no array, no regular expression per field, since a night on
 * fixture L writes a few hundred thousand lines.
 */
export function quotedCsvLine(
  fields: readonly (string | null | undefined)[],
  delimiter: string,
  lineEnd: string,
): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? '';
    if (i > 0) line += delimiter;
    line += f.includes('"') ? `"${f.replaceAll('"', '""')}"` : `"${f}"`;
  }
  return line + lineEnd;
}
