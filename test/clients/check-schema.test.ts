import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildSchema, getIntrospectionQuery, graphqlSync } from 'graphql';
import { Settings } from '../../orchestrator/settings-store.js';
import { runCheckSchema, type CheckSchemaOptions } from '../../jobs/clients/check-schema.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';
import { makeTempDir } from '../helpers/job-context.js';
import { sendJson, startTinyServer } from './tiny-server.js';

const SCHEMA = path.resolve('../shared/os2mo-schema-v29.graphql');
const hasSchema = fs.existsSync(SCHEMA);

const valid: GqlDocument = {
  area: 'test',
  name: 'ValidPersons',
  source:
    'query ValidPersons($limit: int, $cursor: Cursor) { persons(limit: $limit, cursor: $cursor) { objects { uuid } page_info { next_cursor } } }',
};
const invalid: GqlDocument = {
  area: 'test',
  name: 'BrokenPersons',
  source: 'query BrokenPersons { persons { objects { current { cpr } } } }',
};
const garbage: GqlDocument = { area: 'test', name: 'Garbage', source: 'query { persons {' };

function run(opts: Partial<CheckSchemaOptions>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  return runCheckSchema({
    settings: new Settings({}, 'test'),
    env: {},
    out: (l) => lines.push(l),
    ...opts,
  }).then((code) => ({
    code,
    lines,
  }));
}

describe('check-schema', function () {
  this.timeout(30_000);

  before(function () {
    // The shared schema lives beside the repository; without it these tests cannot say anything.
    if (!hasSchema) throw new Error(`${SCHEMA} is missing`);
  });

  it('catches an invalid query and names it with the error (exit 1)', async () => {
    const { code, lines } = await run({ schema: SCHEMA, documents: [valid, invalid, garbage] });
    expect(code).to.equal(1);
    expect(lines).to.include(`invalid  test/BrokenPersons: Cannot query field "cpr" on type "Employee".`);
    expect(lines.some((l) => l.startsWith('invalid  test/Garbage: Syntax Error'))).to.equal(true);
    expect(lines.some((l) => l.includes('ValidPersons'))).to.equal(false);
    expect(lines.at(-1)).to.match(/2 of 3 documents are invalid/);
  });

  it('passes every document the project defines (exit 0)', async () => {
    // Dynamic import: under mocha+tsx a static import would load a CommonJS copy of the registry (gql.ts)
    // while queries-index's own dynamic imports fill the ESM copy.
    const { loadAllQueries } = await import('../../jobs/queries-index.js');
    const documents = (await loadAllQueries()).filter((d) => d.area !== 'test');
    expect(documents.map((d) => d.name)).to.include.members(['UploadFile', 'SanityClasses', 'SanityPersons']);
    const { code, lines } = await run({ schema: SCHEMA, documents });
    expect(lines.filter((l) => l.startsWith('invalid'))).to.deep.equal([]);
    expect(code).to.equal(0);
  });

  it('counts uses of deprecated fields and lists them only when verbose', async () => {
    const deprecated: GqlDocument = {
      area: 'test',
      name: 'OldStyle',
      source: 'query OldStyle { classes { objects { current { uuid facet_uuid } } } }',
    };
    const quiet = await run({ schema: SCHEMA, documents: [deprecated] });
    expect(quiet.code).to.equal(0);
    expect(quiet.lines).to.deep.equal([
      `check-schema: all 1 documents are valid against ${SCHEMA} (1 uses of deprecated fields; --verbose lists them)`,
    ]);
    const verbose = await run({ schema: SCHEMA, documents: [deprecated], verbose: true });
    expect(verbose.lines[0]).to.match(/^warning {2}test\/OldStyle: The field Class.facet_uuid is deprecated/);
  });

  it('exits 2 with one line for a missing schema file, a broken one, or both options', async () => {
    const missing = await run({ schema: '/nonexistent/schema.graphql', documents: [valid] });
    expect(missing).to.deep.equal({
      code: 2,
      lines: ['check-schema: schema file not found: /nonexistent/schema.graphql'],
    });
    const dir = makeTempDir();
    const broken = path.join(dir, 'broken.graphql');
    fs.writeFileSync(broken, 'type Query {\n  x: Nope\n}\n');
    const bad = await run({ schema: broken, documents: [valid] });
    expect(bad.code).to.equal(2);
    expect(bad.lines).to.have.length(1);
    expect(bad.lines[0]).to.match(/is not a valid GraphQL schema: Unknown type "Nope"/);
    const both = await run({ schema: SCHEMA, moUrl: 'http://127.0.0.1:1', documents: [valid] });
    expect(both.code).to.equal(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("validates against a live MO's schema fetched by introspection with the credentials", async () => {
    const schema = buildSchema(fs.readFileSync(SCHEMA, 'utf8'));
    const introspection = graphqlSync({ schema, source: getIntrospectionQuery() });
    const server = await startTinyServer((req, res) => {
      if (req.url.endsWith('/token')) return sendJson(res, 200, { access_token: 'tok', expires_in: 300 });
      if (req.headers.authorization !== 'Bearer tok')
        return sendJson(res, 200, { data: null, errors: [{ message: 'Not authenticated' }] });
      sendJson(res, 200, introspection);
    });
    try {
      const env = { CLIENT_ID: 'dipex', CLIENT_SECRET: 's', AUTH_SERVER: server.url };
      const { code, lines } = await run({ moUrl: server.url, env, documents: [valid, invalid] });
      expect(code).to.equal(1);
      expect(lines.at(-1)).to.equal(
        `check-schema: 1 of 2 documents are invalid against ${server.url}/graphql/v29`,
      );
    } finally {
      await server.close();
    }
  });

  it('exits 2 with one line when the live schema cannot be fetched', async () => {
    const server = await startTinyServer((_req, res) => sendJson(res, 500, { detail: 'boom' }));
    try {
      const { code, lines } = await run({ moUrl: server.url, documents: [valid] });
      expect(code).to.equal(2);
      expect(lines).to.deep.equal([
        `check-schema: cannot fetch MO's schema from ${server.url}/graphql/v29: IntrospectionQuery: HTTP 500 Internal Server Error`,
      ]);
    } finally {
      await server.close();
    }
  });
});
