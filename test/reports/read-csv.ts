/** Parses the reports' CSV format strictly: BOM, `;`, every field quoted, `\n` line ends. Throws on anything else. */
import fs from 'node:fs';

export function parseReportCsv(content: string): string[][] {
  if (!content.startsWith('\uFEFF')) throw new Error('no BOM');
  const body = content.slice(1);
  if (!body.endsWith('\n')) throw new Error('no final newline');
  const rows: string[][] = [];
  let i = 0;
  let row: string[] = [];
  while (i < body.length) {
    if (body[i] !== '"') throw new Error(`unquoted field at ${i}`);
    let j = i + 1;
    let value = '';
    for (;;) {
      const q = body.indexOf('"', j);
      if (q < 0) throw new Error('unterminated quote');
      value += body.slice(j, q);
      if (body[q + 1] === '"') {
        value += '"';
        j = q + 2;
      } else {
        j = q + 1;
        break;
      }
    }
    row.push(value);
    if (body[j] === ';') i = j + 1;
    else if (body[j] === '\n') {
      rows.push(row);
      row = [];
      i = j + 1;
    } else throw new Error(`unexpected ${JSON.stringify(body[j])} after field at ${j}`);
  }
  return rows;
}

export function readCsv(file: string): string[][] {
  return parseReportCsv(fs.readFileSync(file, 'utf8'));
}
