import { expect } from 'chai';
import { quotedCsv } from '../../jobs/quoted-csv.js';

describe('quoted CSV (the reports and the CPR map)', () => {
  it('quotes every field, doubles quotes, keeps ; and line breaks inside a field, and ends each line as asked', () => {
    const rows = [
      ['a"b', 'x;y', 'two\nlines'],
      [null, undefined, ''],
    ];
    expect(quotedCsv(rows, '\n')).to.equal('"a""b";"x;y";"two\nlines"\n"";"";""\n');
    expect(quotedCsv(rows, '\r\n')).to.equal('"a""b";"x;y";"two\nlines"\r\n"";"";""\r\n');
  });

  it('gives nothing for no rows', () => {
    expect(quotedCsv([], '\n')).to.equal('');
  });
});
