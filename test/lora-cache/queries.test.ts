import fs from 'node:fs';
import { expect } from 'chai';
import { buildSchema, parse, validate } from 'graphql';
import { definedQueries } from '../../jobs/clients/gql.js';
import '../../jobs/lora-cache/queries.js';
import '../../jobs/cpr-uuid/queries.js';

const SCHEMA = new URL('../../../shared/os2mo-schema-v29.graphql', import.meta.url);

describe('lora-cache GraphQL documents', () => {
  it('every document validates against the shared OS2mo v29 schema', function () {
    if (!fs.existsSync(SCHEMA)) {
      console.log('    (../shared/os2mo-schema-v29.graphql absent: schema check not run)');
      this.skip();
    }
    const schema = buildSchema(fs.readFileSync(SCHEMA, 'utf8'));
    const docs = definedQueries().filter((d) => d.area === 'lora-cache' || d.area === 'cpr-uuid');
    expect(docs.length).to.be.greaterThan(20);
    const problems = docs.flatMap((d) =>
      validate(schema, parse(d.source)).map((e) => `${d.name}: ${e.message}`),
    );
    expect(problems).to.deep.equal([]);
  });
});
