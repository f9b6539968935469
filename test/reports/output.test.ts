import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect } from 'chai';
import { renderCsv } from '../../jobs/reports/csv-writer.js';
import { uploadReports, writeReport } from '../../jobs/reports/output.js';
import { date, number, text, type ReportTable } from '../../jobs/reports/table.js';
import { columnLetters, fittedWidths, sheetName, writeXlsx } from '../../jobs/reports/xlsx-writer.js';
import { makeTempDir } from '../helpers/job-context.js';

function sample(containsCpr = false): ReportTable {
  return {
    fileBase: 'Prøve rapport',
    sheet: 'Personer',
    columns: [text('Navn'), number('Alder'), date('Fra'), text('Note')],
    rows: [
      ['Søren "Sørle" Ærø', 42, { date: '2020-01-31' }, 'a;b'],
      ['Åse', null, null, 'to\nlinjer'],
      ['', 0, { date: '1999-12-01' }, null],
    ],
    containsCpr,
  };
}

describe('report output', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir('jr-reports-')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders CSV as UTF-8 with BOM, ; separated, every field quoted, quotes doubled', () => {
    const bytes = Buffer.from(renderCsv(sample()), 'utf8');
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).to.equal(
      '"Navn";"Alder";"Fra";"Note"\n' +
        '"Søren ""Sørle"" Ærø";"42";"2020-01-31";"a;b"\n' +
        '"Åse";"";"";"to\nlinjer"\n' +
        '"";"0";"1999-12-01";""\n',
    );
  });

  it('a CSV larger than one write batch is the same bytes as the whole table rendered at once', async () => {
    const rows = Array.from(
      { length: 4501 },
      (_, i) => [`navn ${i} "x"`, i, null, i % 2 ? 'a;b' : ''] as const,
    );
    const table: ReportTable = { ...sample(), rows: rows.map((r) => [...r]) };
    const [csv] = await writeReport(table, { dir, formats: ['csv'] });
    const text = fs.readFileSync(csv!, 'utf8');
    expect(text).to.equal(renderCsv(table));
    const lines = text.slice(1).split('\n');
    expect(lines).to.have.length(4503); // header, 4501 rows, the empty string after the last \n
    expect(lines[2001]).to.equal('"navn 2000 ""x""";"2000";"";""');
    expect(lines[2002]).to.equal('"navn 2001 ""x""";"2001";"";"a;b"');
  });

  it("cuts a cell over Excel's 32,767 characters in the XLSX only, never inside a surrogate pair, and warns once", async () => {
    const long = 'x'.repeat(40_000);
    const emojiAtLimit = 'y'.repeat(32_766) + '😀' + 'z'.repeat(10); // the pair straddles the limit
    const table: ReportTable = {
      ...sample(),
      rows: [
        [long, 1, null, 'kort'],
        [emojiAtLimit, 2, null, long],
      ],
    };
    const warnings: string[] = [];
    const [csv, xlsx] = await writeReport(table, {
      dir,
      formats: ['csv', 'xlsx'],
      warn: (m) => warnings.push(m),
    });
    expect(fs.readFileSync(csv!, 'utf8')).to.contain(`"${long}"`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx!);
    const ws = wb.getWorksheet(1)!;
    expect(ws.getCell('A2').value).to.equal('x'.repeat(32_767));
    expect(ws.getCell('A3').value).to.equal('y'.repeat(32_766));
    expect(ws.getCell('D2').value).to.equal('kort');
    expect(ws.getCell('D3').value).to.equal('x'.repeat(32_767));
    expect(warnings).to.deep.equal([
      "Prøve rapport.xlsx: 3 cells are longer than Excel's limit of 32,767 characters; the sheet holds them cut to it, the CSV whole",
    ]);
  });

  it('writes XLSX that reads back with a bold header, autofilter, fitted widths, numbers and dates', async () => {
    const [csv, xlsx] = await writeReport(sample(), { dir, formats: ['csv', 'xlsx'] });
    expect(path.basename(csv!)).to.equal('Prøve rapport.csv');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx!);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['Personer']);
    const ws = wb.getWorksheet('Personer')!;
    expect(ws.getRow(1).values).to.deep.equal([undefined, 'Navn', 'Alder', 'Fra', 'Note']);
    expect(ws.getRow(1).getCell(1).font?.bold).to.equal(true);
    expect(ws.getCell('A2').value).to.equal('Søren "Sørle" Ærø');
    expect(ws.getCell('B2').value).to.equal(42);
    expect(ws.getCell('B2').type).to.equal(ExcelJS.ValueType.Number);
    expect(ws.getCell('C2').value).to.be.instanceOf(Date);
    expect((ws.getCell('C2').value as Date).toISOString()).to.equal('2020-01-31T00:00:00.000Z');
    expect(ws.getCell('C2').numFmt).to.equal('yyyy-mm-dd');
    expect(ws.getCell('B3').value).to.equal(null);
    expect(ws.getCell('B4').value).to.equal(0);
    expect(ws.rowCount).to.equal(4);
    expect(ws.autoFilter).to.equal('A1:D4');
    expect(ws.columns.map((c) => c.width)).to.deep.equal(fittedWidths(sample()));
    expect(fittedWidths(sample())).to.deep.equal([19, 7, 12, 11]);
  });

  it('creates files holding CPR numbers with mode 0600 and others 0640, leaving no temp files', async () => {
    const cprFiles = await writeReport(sample(true), { dir, formats: ['csv', 'xlsx'] });
    for (const f of cprFiles) expect(fs.statSync(f).mode & 0o777).to.equal(0o600);
    fs.rmSync(cprFiles[0]!);
    fs.rmSync(cprFiles[1]!);
    const plain = await writeReport(sample(false), { dir, formats: ['csv'] });
    expect(fs.statSync(plain[0]!).mode & 0o777).to.equal(0o640);
    expect(fs.readdirSync(dir)).to.deep.equal(['Prøve rapport.csv']);
  });

  it('keeps the old file and leaves no temp file when writing fails halfway', async () => {
    await writeReport(sample(), { dir, formats: ['csv'] });
    const before = fs.readFileSync(path.join(dir, 'Prøve rapport.csv'));
    const broken = sample();
    broken.rows.push([
      {
        get date(): string {
          throw new Error('disk on fire');
        },
      },
      1,
      null,
      null,
    ]);
    try {
      await writeReport(broken, { dir, formats: ['csv'] });
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.equal('disk on fire');
    }
    expect(fs.readdirSync(dir)).to.deep.equal(['Prøve rapport.csv']);
    expect(fs.readFileSync(path.join(dir, 'Prøve rapport.csv'))).to.deep.equal(before);
  });

  it('uploads each written file under its own name with its exact bytes', async () => {
    const files = await writeReport(sample(), { dir, formats: ['csv', 'xlsx'] });
    const got: [string, Buffer][] = [];
    await uploadReports(files, async (name, content) => void got.push([name, content]));
    expect(got.map(([n]) => n)).to.deep.equal(['Prøve rapport.csv', 'Prøve rapport.xlsx']);
    expect(got[0]![1]).to.deep.equal(fs.readFileSync(files[0]!));
  });

  it('makes legal worksheet names', () => {
    expect(sheetName('Organisationsstruktur og Stillinger')).to.equal('Organisationsstruktur og Stilli');
    expect(sheetName('a/b[c]')).to.equal('a b c ');
  });

  it('streams a large sheet (many drain cycles) and reads back every row', async () => {
    const big: ReportTable = {
      fileBase: 'Stor',
      sheet: 'Personer',
      columns: [text('Navn'), number('Nr'), date('Fra')],
      rows: Array.from({ length: 12_000 }, (_, i) => [
        `Person ${i} ${'x'.repeat(i % 50)}`,
        i,
        { date: '2024-02-29' },
      ]),
      containsCpr: false,
    };
    const [file] = await writeReport(big, { dir, formats: ['xlsx'] });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file!);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).to.equal(12_001);
    expect(ws.getCell('A12001').value).to.equal(`Person 11999 ${'x'.repeat(11999 % 50)}`);
    expect(ws.getCell('B6001').value).to.equal(5999);
    expect((ws.getCell('C9000').value as Date).toISOString()).to.equal('2024-02-29T00:00:00.000Z');
    expect(ws.autoFilter).to.equal('A1:C12001');
  });

  it('writes text XML cannot hold as such: markup escaped, blanks kept, control characters dropped', async () => {
    const table: ReportTable = {
      fileBase: 'Tegn',
      sheet: 'A & B <C>',
      columns: [text('<Navn> & "titel"'), text('Note')],
      rows: [
        ['<b>Ærø & co</b>', '  to blanke foran og bag  '],
        ['klokke\u0007 og \u0000nul', '\ttab\nlinje'],
        ['&amp; står som tekst', ''],
      ],
      containsCpr: false,
    };
    const [file] = await writeReport(table, { dir, formats: ['xlsx'] });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file!);
    const ws = wb.getWorksheet('A & B <C>')!;
    expect(ws.getCell('A1').value).to.equal('<Navn> & "titel"');
    expect(ws.getCell('A2').value).to.equal('<b>Ærø & co</b>');
    expect(ws.getCell('B2').value).to.equal('  to blanke foran og bag  ');
    expect(ws.getCell('A3').value).to.equal('klokke og nul');
    expect(ws.getCell('B3').value).to.equal('\ttab\nlinje');
    expect(ws.getCell('A4').value).to.equal('&amp; står som tekst');
    expect(ws.getCell('B4').value).to.equal(null);
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnLetters)).to.deep.equal([
      'A',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
  });

  it('stops a sheet that is being written when the job is cancelled, leaving no file', async () => {
    const big: ReportTable = {
      ...sample(),
      rows: Array.from({ length: 200_000 }, (_, i) => [`Person ${i}`, i, { date: '2024-01-01' }, 'note']),
    };
    const controller = new AbortController();
    let filesWhenCancelled: string[] = [];
    const pending = writeReport(big, { dir, formats: ['xlsx'], signal: controller.signal });
    // cancel once the temp file has grown: the zip is being written
    const poll = setInterval(() => {
      const tmp = fs.readdirSync(dir).find((f) => f.includes('.tmp-'));
      if (tmp && fs.statSync(path.join(dir, tmp)).size > 0) {
        filesWhenCancelled = fs.readdirSync(dir);
        controller.abort(new Error('cancelled'));
        clearInterval(poll);
      }
    }, 5);
    try {
      await pending;
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.equal('cancelled');
    } finally {
      clearInterval(poll);
    }
    expect(filesWhenCancelled).to.have.length(1);
    expect(filesWhenCancelled[0]).to.include('.tmp-');
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('fails with the file system error when the file cannot be written, without hanging', async () => {
    const target = path.join(dir, 'no-such-dir', 'x.xlsx');
    try {
      await writeXlsx(sample(), target);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
    }
    expect(fs.existsSync(target)).to.equal(false);
  });

  it('stops when the job is cancelled, leaving neither the file nor a temp file', async () => {
    const big: ReportTable = {
      ...sample(),
      rows: Array.from({ length: 5000 }, (_, i) => [`P${i}`, i, null, null]),
    };
    const controller = new AbortController();
    const pending = writeReport(big, { dir, formats: ['xlsx'], signal: controller.signal });
    controller.abort(new Error('cancelled'));
    try {
      await pending;
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.equal('cancelled');
    }
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });
});
