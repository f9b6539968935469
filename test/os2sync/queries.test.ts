import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildSchema, parse, validate } from 'graphql';
import { definedQueries } from '../../jobs/clients/gql.js';
import '../../jobs/os2sync/queries.js';

describe('os2sync GraphQL documents', () => {
  const schema = buildSchema(fs.readFileSync(path.resolve('../shared/os2mo-schema-v29.graphql'), 'utf8'));
  const docs = definedQueries().filter((d) => d.area === 'os2sync');

  it('are bulk paged reads, every one valid against the OS2mo v29 schema', () => {
    expect(docs.length).to.be.greaterThan(8);
    for (const doc of docs) {
      const errors = validate(schema, parse(doc.source)).map((e) => e.message);
      expect(errors, doc.name).to.deep.equal([]);
      if (doc.name !== 'Os2syncOrganisation') expect(doc.source, doc.name).to.match(/\$cursor: Cursor/);
    }
  });

  it('never filter by CPR or ask for one person at a time', () => {
    for (const doc of docs) expect(doc.source).not.to.match(/cpr_numbers|uuids:/);
  });
});
