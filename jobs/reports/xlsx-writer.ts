/**
 * XLSX as specs/reports.md §5.0 asks: one sheet, bold header, autofilter over every row and column, widths
 * fitted to the longest value, numbers as numbers and dates as dates (a serial day with a `yyyy-mm-dd` format).
 *
 * The sheet's XML is written here and zipped by yazl (a small streaming zip writer: 15 ms to load, where
 * archiver, the zip library exceljs uses, takes 0.2 s of every report process's start-up). exceljs's
 * streaming writer built a Row and a Cell object, a style lookup and an XML stream for every row: about 6 µs a
 * cell, 5-7 s of CPU for reports_csv on fixture L, the largest single cost of the night after MO's read. A
 * report sheet is plain data in three styles, so its XML is a string per row (≈1 µs a cell). Rows go to the
 * zip through a stream with back-pressure, so neither the sheet nor the file is ever held whole in memory.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { cellText, type Cell, type ReportTable } from './table.js';

const MAX_WIDTH = 80;
/** Characters of sheet XML gathered before each write into the zip. */
const CHUNK_CHARS = 64 * 1024;
const MS_PER_DAY = 86_400_000;
/** zlib level 3: on fixture L's sheets ≈ 30 % less CPU than the default 6, files ≈ 7 % larger. */
const ZLIB_LEVEL = 3;
/** Days from Excel's day 0 (1899-12-30, its 1900 leap-year bug included) to 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25_569;

/** Style ids, in the order of `cellXfs` in STYLES_XML. */
const STYLE_BOLD = 1;
const STYLE_DATE = 2;

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

const CONTENT_TYPES_XML =
  `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>';

/** A rels part: `rId1`, `rId2`, … in the order given, each `[type, target]`. */
function relationshipsXml(rels: [type: string, target: string][]): string {
  const items = rels.map(
    ([type, target], i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/${type}" Target="${target}"/>`,
  );
  return `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">${items.join('')}</Relationships>`;
}

const ROOT_RELS_XML = relationshipsXml([['officeDocument', 'xl/workbook.xml']]);
const WORKBOOK_RELS_XML = relationshipsXml([
  ['worksheet', 'worksheets/sheet1.xml'],
  ['styles', 'styles.xml'],
]);

/** Three cell styles: 0 plain, 1 bold (the header), 2 the date format. */
const STYLES_XML =
  `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
  '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

function workbookXml(sheet: string): string {
  return (
    `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<sheets><sheet name="${xmlText(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>`
  );
}

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

/** A legal worksheet name: at most 31 characters, none of `[]:*?/\`. */
export function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1';
}

/** Markup characters, and the characters XML 1.0 cannot hold at all (matching them is the point). */
// eslint-disable-next-line no-control-regex
const ESCAPED = /[<>&"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };

/**
 * Text for XML content or a quoted attribute. Characters XML 1.0 cannot hold at all (most control characters)
 * are dropped, as exceljs did.
 */
export function xmlText(s: string): string {
  ESCAPED.lastIndex = 0;
  if (!ESCAPED.test(s)) return s;
  return s.replace(ESCAPED, (c) => ESCAPES[c] ?? '');
}

/** `A`, `B`, … `Z`, `AA`, … for a 0-based column index. */
export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Excel's limit on a cell's text; a longer cell makes Excel "repair" the whole file. */
export const EXCEL_MAX_CELL_CHARS = 32_767;

/** The text cut to Excel's limit, never between the two halves of a surrogate pair. */
function withinExcelLimit(value: string): string {
  if (value.length <= EXCEL_MAX_CELL_CHARS) return value;
  const last = value.charCodeAt(EXCEL_MAX_CELL_CHARS - 1);
  const highSurrogate = last >= 0xd800 && last <= 0xdbff;
  return value.slice(0, highSurrogate ? EXCEL_MAX_CELL_CHARS - 1 : EXCEL_MAX_CELL_CHARS);
}

function stringCell(ref: string, text: string, style: number): string {
  const value = withinExcelLimit(text);
  const s = style ? ` s="${style}"` : '';
  // leading or trailing blanks are kept only when the text says so
  const preserve = /^\s|\s$/.test(value) ? ' xml:space="preserve"' : '';
  return `<c r="${ref}"${s} t="inlineStr"><is><t${preserve}>${xmlText(value)}</t></is></c>`;
}

/** One cell's XML; an empty cell is not written at all. */
function cellXml(ref: string, cell: Cell): string {
  if (cell === null || cell === '') return '';
  if (typeof cell === 'number') {
    return Number.isFinite(cell) ? `<c r="${ref}"><v>${cell}</v></c>` : stringCell(ref, String(cell), 0);
  }
  if (typeof cell === 'object') {
    const ms = Date.parse(`${cell.date}T00:00:00Z`);
    if (Number.isNaN(ms)) return stringCell(ref, cell.date, 0);
    return `<c r="${ref}" s="${STYLE_DATE}"><v>${ms / MS_PER_DAY + EXCEL_EPOCH_DAYS}</v></c>`;
  }
  return stringCell(ref, cell, 0);
}

/**
 * The worksheet's XML in chunks of about CHUNK_CHARS, rows in order. `stats.cellsCut` counts the cells cut to
 * Excel's limit.
 */
export function* sheetXml(table: ReportTable, stats = { cellsCut: 0 }): Generator<string> {
  const letters = table.columns.map((_, i) => columnLetters(i));
  const last = `${columnLetters(Math.max(1, table.columns.length) - 1)}${table.rows.length + 1}`;
  const cols = fittedWidths(table)
    .map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`)
    .join('');
  let xml =
    `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><dimension ref="A1:${last}"/>` +
    (cols ? `<cols>${cols}</cols>` : '') +
    '<sheetData><row r="1">' +
    table.columns.map((c, i) => stringCell(`${letters[i]}1`, c.header, STYLE_BOLD)).join('') +
    '</row>';
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    const n = r + 2;
    xml += `<row r="${n}">`;
    for (let j = 0; j < row.length; j++) {
      const cell = row[j] ?? null;
      if (typeof cell === 'string' && cell.length > EXCEL_MAX_CELL_CHARS) stats.cellsCut++;
      xml += cellXml(`${letters[j] ?? columnLetters(j)}${n}`, cell);
    }
    xml += '</row>';
    if (xml.length >= CHUNK_CHARS) {
      yield xml;
      xml = '';
    }
  }
  yield `${xml}</sheetData><autoFilter ref="A1:${last}"/></worksheet>`;
}

/**
 * Writes the workbook to `filename`; resolves with the number of cells cut to Excel's limit. A failure or an
 * abort rejects only once the file is closed, so the caller's clean-up removes it for good (a stream still
 * opening would otherwise create it after its removal).
 */
export async function writeXlsx(
  table: ReportTable,
  filename: string,
  signal?: AbortSignal,
): Promise<{ cellsCut: number }> {
  signal?.throwIfAborted();
  const out = fs.createWriteStream(filename);
  const closed = once(out, 'close').catch(() => undefined);
  const zip = new ZipFile();
  const sheet = new PassThrough();
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // observed through the races below; never an unhandled rejection
  const emitters: NodeJS.EventEmitter[] = [zip, zip.outputStream, out, sheet];
  for (const emitter of emitters) emitter.on('error', (err: unknown) => fail(err));
  const onAbort = (): void => fail(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    zip.outputStream.pipe(out);
    const entry = { compressionLevel: ZLIB_LEVEL };
    const parts: [name: string, xml: string][] = [
      ['[Content_Types].xml', CONTENT_TYPES_XML],
      ['_rels/.rels', ROOT_RELS_XML],
      ['xl/workbook.xml', workbookXml(sheetName(table.sheet))],
      ['xl/_rels/workbook.xml.rels', WORKBOOK_RELS_XML],
      ['xl/styles.xml', STYLES_XML],
    ];
    for (const [name, xml] of parts) zip.addBuffer(Buffer.from(xml), name, entry);
    zip.addReadStream(sheet, 'xl/worksheets/sheet1.xml', entry);
    zip.end();
    const stats = { cellsCut: 0 };
    for (const chunk of sheetXml(table, stats)) {
      if (!sheet.write(chunk)) await Promise.race([once(sheet, 'drain'), failed]);
    }
    sheet.end();
    // the file stream closes after the zip's last byte is written ('error' comes first if a write fails)
    await Promise.race([closed, failed]);
    return stats;
  } catch (err) {
    zip.outputStream.unpipe(out);
    sheet.destroy();
    out.destroy();
    await closed;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
