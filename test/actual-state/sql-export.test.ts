import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import pg from 'pg';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { runActualStateExport, runHistoricSqlExport } from '../../jobs/actual-state/run.js';
import { exportsActualStateExport, exportsHistoricSqlExport } from '../../jobs/actual-state/definition.js';
import { resolveTarget } from '../../jobs/actual-state/settings.js';
import { quoteIdent, SNAPSHOT_TABLES } from '../../jobs/lora-cache/schema.js';
import { pgPlan, requirePg, type PgTestDatabase } from './pg-server.js';
import { sqliteRows, writeSampleSnapshot } from './sample-snapshot.js';

function ctxWith(settings: Record<string, unknown>): TestJobContext {
  const ctx = makeJobContext('exports_actual_state_export', settings);
  ctx.paths.root = ctx.paths.state;
  ctx.prerequisitesRanThisRun = false;
  return ctx;
}

describe('actual-state SQL export', () => {
  describe('SQLite target', () => {
    let ctx: TestJobContext;
    beforeEach(() => {
      ctx = ctxWith({});
    });
    afterEach(() => ctx.cleanup());

    it('copies every table exactly, keeps kvittering growing, leaves no work tables', async () => {
      const snap = writeSampleSnapshot(ctx.paths.cache, 300);
      const r1 = await runActualStateExport(ctx);
      const r2 = await runActualStateExport(ctx);
      expect(r2.counters?.rows).to.equal(300 * SNAPSHOT_TABLES.length);
      expect(r1.outputs).to.deep.equal([path.join(ctx.paths.state, 'ActualState.db')]);
      const source = new Database(snap, { readonly: true });
      const target = new Database(path.join(ctx.paths.state, 'ActualState.db'), { readonly: true });
      try {
        for (const t of SNAPSHOT_TABLES)
          expect(sqliteRows(target, t.name), t.name).to.deep.equal(sqliteRows(source, t.name));
        const names = (
          target.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
        ).map((r) => r.name);
        expect(names.filter((n) => n.startsWith('w') || n.endsWith('_old'))).to.deep.equal([]);
        const kv = target.prepare('SELECT * FROM kvittering ORDER BY id').all() as Record<string, string>[];
        expect(kv).to.have.length(2);
        expect(kv[1].query_tid).to.equal('2026-11-23 02:00:00.000');
        expect(kv[1].slut_levering_tid).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
        const indexes = target
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'engagementer'")
          .all();
        expect(indexes.length).to.equal(3);
        // the indexes were copied with the rows (SQLite's transfer optimisation): they must match their tables
        expect(target.pragma('integrity_check', { simple: true })).to.equal('ok');
      } finally {
        source.close();
        target.close();
      }
      expect(fs.statSync(path.join(ctx.paths.state, 'ActualState.db')).mode & 0o777).to.equal(0o600);
    });

    it('a snapshot of another layout (columns reordered, an index missing) is copied column by column, same rows', async () => {
      const snap = writeSampleSnapshot(ctx.paths.cache, 120);
      const old = new Database(snap);
      old.pragma('legacy_alter_table = ON'); // the snapshot's compatibility view wbrugere names the table
      const brugere = SNAPSHOT_TABLES.find((t) => t.name === 'brugere')!;
      const reversed = [...brugere.columns].reverse().map((c) => quoteIdent(c.name));
      old.exec(`CREATE TABLE brugere_r AS SELECT ${reversed.join(', ')} FROM brugere;
                DROP TABLE brugere; ALTER TABLE brugere_r RENAME TO brugere;
                DROP INDEX ix_adresser_bruger_uuid;`);
      old.close();
      await runActualStateExport(ctx);
      const source = new Database(snap, { readonly: true });
      const target = new Database(path.join(ctx.paths.state, 'ActualState.db'), { readonly: true });
      try {
        for (const t of SNAPSHOT_TABLES)
          expect(sqliteRows(target, t.name), t.name).to.deep.equal(sqliteRows(source, t.name));
        const columns = (target.pragma('table_info(brugere)') as { name: string }[]).map((c) => c.name);
        expect(columns).to.deep.equal(brugere.columns.map((c) => c.name));
        const indexed = (name: string) =>
          (target.pragma(`index_list(${name})`) as { name: string }[]).flatMap((ix) =>
            (target.pragma(`index_info(${quoteIdent(ix.name)})`) as { name: string }[]).map((c) => c.name),
          );
        expect(indexed('adresser')).to.include.members(['uuid', 'bruger_uuid', 'enhed_uuid']);
        expect(indexed('brugere')).to.deep.equal(['uuid']);
        expect(target.pragma('integrity_check', { simple: true })).to.equal('ok');
      } finally {
        source.close();
        target.close();
      }
    });

    it('a reader in a read transaction during the swap sees the whole old table, then the whole new one', async () => {
      writeSampleSnapshot(ctx.paths.cache, 50);
      await runActualStateExport(ctx);
      const reader = new Database(path.join(ctx.paths.state, 'ActualState.db'), { readonly: true });
      try {
        reader.exec('BEGIN');
        const count = () => (reader.prepare('SELECT count(*) AS n FROM brugere').get() as { n: number }).n;
        const firstName = () =>
          (reader.prepare('SELECT max(fornavn) AS f FROM engagementer').get() as { f: string }).f;
        expect(count()).to.equal(50);
        writeSampleSnapshot(ctx.paths.cache, 80);
        await runActualStateExport(ctx);
        expect(count(), 'inside the old read transaction').to.equal(50);
        reader.exec('COMMIT');
        expect(count(), 'after it').to.equal(80);
        expect(firstName).to.throw(/no such column/);
      } finally {
        reader.close();
      }
    });

    it('refuses to export a snapshot into itself, naming the key', async () => {
      const c = ctxWith({ 'lc-for-jobs.actual_db_name': 'Same', 'exporters.actual_state.db_name': 'Same' });
      try {
        writeSampleSnapshot(c.paths.state, 5, 'Same.db');
        await runActualStateExport(c).then(
          () => expect.fail('should fail'),
          (err: Error) =>
            expect(err.message).to.match(/^exporters\.actual_state\.db_name: names the snapshot itself/),
        );
      } finally {
        c.cleanup();
      }
    });

    it('the historic export reads historic.db into its own target', async () => {
      writeSampleSnapshot(ctx.paths.cache, 20, 'historic.db');
      const r = await runHistoricSqlExport(ctx);
      expect(r.outputs).to.deep.equal([path.join(ctx.paths.state, 'ActualStateHistoric.db')]);
      expect(r.counters?.rows).to.equal(20 * SNAPSHOT_TABLES.length);
    });

    it('refuses a snapshot older than this run when the snapshot job ran in this run', async () => {
      writeSampleSnapshot(ctx.paths.cache, 5, 'actual_state.db', new Date(Date.now() - 3600_000));
      ctx.prerequisitesRanThisRun = true;
      await runActualStateExport(ctx).then(
        () => expect.fail('should refuse'),
        (err: Error) =>
          expect(err.message).to.match(
            /actual_state\.db was built at .* before this run started .*; run exports_cache_loracache first$/,
          ),
      );
      ctx.prerequisitesRanThisRun = false;
      expect((await runActualStateExport(ctx)).counters?.rows).to.equal(5 * SNAPSHOT_TABLES.length);
    });

    it('fails with a one-line message naming the snapshot job when there is no snapshot', async () => {
      await runActualStateExport(ctx).then(
        () => expect.fail('should fail'),
        (err: Error) =>
          expect(err.message).to.match(/actual_state\.db does not exist; run exports_cache_loracache first$/),
      );
    });
  });

  describe('settings', () => {
    it('rejects other types as not supported yet and an unknown type, naming the key', () => {
      const ctx = ctxWith({
        'exporters.actual_state.type': 'MS-SQL',
        'exporters.actual_state_historic.type': 'Oracle',
      });
      try {
        expect(() => resolveTarget(ctx.settings, ctx.paths, 'actual')).to.throw(
          /^exporters\.actual_state\.type: type MS-SQL is not supported yet/,
        );
        expect(() => resolveTarget(ctx.settings, ctx.paths, 'historic')).to.throw(
          /^exporters\.actual_state_historic\.type: unknown type Oracle/,
        );
      } finally {
        ctx.cleanup();
      }
    });

    it('historic falls back to the actual host, port, user and password, not type or db_name', () => {
      const ctx = ctxWith({
        'exporters.actual_state.type': 'Postgres',
        'exporters.actual_state.host': 'db.example',
        'exporters.actual_state.port': '5433',
        'exporters.actual_state.user': 'mo',
        'exporters.actual_state.password': 's3cret',
        'exporters.actual_state.db_name': 'actual',
        'exporters.actual_state_historic.type': 'Postgres',
      });
      try {
        expect(resolveTarget(ctx.settings, ctx.paths, 'historic')).to.deep.equal({
          type: 'Postgres',
          host: 'db.example',
          port: 5433,
          database: 'ActualStateHistoric',
          user: 'mo',
          password: 's3cret',
        });
        expect(resolveTarget(ctx.settings, ctx.paths, 'actual')).to.include({
          database: 'actual',
          port: 5433,
        });
      } finally {
        ctx.cleanup();
      }
    });

    it('Postgres without host is an error naming the key; the password spec is secret', () => {
      const ctx = ctxWith({ 'exporters.actual_state.type': 'Postgres' });
      try {
        expect(() => resolveTarget(ctx.settings, ctx.paths, 'actual')).to.throw(
          /^exporters\.actual_state\.host: is required/,
        );
      } finally {
        ctx.cleanup();
      }
      const pw = exportsActualStateExport.settings!.find((s) => s.key === 'exporters.actual_state.password');
      expect(pw?.secret).to.equal(true);
      expect(exportsHistoricSqlExport.settings!.map((s) => s.key))
        .to.include('exporters.actual_state.host')
        .and.not.include('exporters.actual_state.type');
    });
  });

  it('Postgres tests: JR_TEST_PG_URL, else a private cluster, else skipped locally and failed in CI', () => {
    expect(pgPlan({ JR_TEST_PG_URL: 'postgresql://x@127.0.0.1/db' }, false)).to.equal('url');
    expect(pgPlan({}, true)).to.equal('start');
    expect(pgPlan({}, false)).to.equal('skip');
    expect(pgPlan({ CI: 'true' }, false)).to.equal('fail');
  });

  describe('Postgres target', function () {
    this.timeout(120_000);
    let db: PgTestDatabase;
    let ctx: TestJobContext;
    before(async function () {
      db = await requirePg(this);
    });
    after(async () => db?.drop());
    beforeEach(() => {
      ctx = ctxWith({
        'exporters.actual_state.type': 'Postgres',
        'exporters.actual_state.host': db.host,
        'exporters.actual_state.port': db.port,
        'exporters.actual_state.db_name': db.database,
        'exporters.actual_state.user': db.user,
        ...(db.password ? { 'exporters.actual_state.password': db.password } : {}),
      });
    });
    afterEach(() => ctx.cleanup());

    async function pgRows(client: pg.Client, table: string): Promise<unknown[][]> {
      const t = SNAPSHOT_TABLES.find((x) => x.name === table)!;
      const res = await client.query({
        text: `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(table)} ORDER BY ${quoteIdent(t.columns[0].name)}`,
        rowMode: 'array',
      });
      return res.rows.map((r: unknown[]) =>
        r.map((v, i) => (t.columns[i].type === 'boolean' && v !== null ? (v ? 1 : 0) : v)),
      );
    }

    it('contents equal the snapshot (awkward text, nulls, booleans, integers), across batches', async () => {
      const snap = writeSampleSnapshot(ctx.paths.cache, 6200);
      await runActualStateExport(ctx);
      const r = await runActualStateExport(ctx);
      expect(r.counters?.rows).to.equal(6200 * SNAPSHOT_TABLES.length);
      expect(r.message).to.not.include('password');
      const source = new Database(snap, { readonly: true });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        for (const t of SNAPSHOT_TABLES)
          expect(await pgRows(client, t.name), t.name).to.deep.equal(sqliteRows(source, t.name));
        const kv = await client.query('SELECT count(*)::int AS n FROM kvittering');
        expect(kv.rows[0].n).to.equal(2);
        const leftovers = await client.query(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'w%' OR tablename LIKE '%\\_old')",
        );
        expect(leftovers.rows).to.deep.equal([]);
        const ix = await client.query(
          "SELECT indexname FROM pg_indexes WHERE tablename = 'engagementer' ORDER BY 1",
        );
        expect(ix.rows.map((x: { indexname: string }) => x.indexname)).to.include.members([
          'ix_engagementer_bruger_uuid',
          'ix_engagementer_uuid',
          'engagementer_pkey',
        ]);
      } finally {
        source.close();
        await client.end();
      }
    });

    it('a reader holding a transaction during the swap sees the whole old table; afterwards the new one', async () => {
      writeSampleSnapshot(ctx.paths.cache, 40);
      await runActualStateExport(ctx);
      const reader = new pg.Client({ connectionString: db.url });
      await reader.connect();
      try {
        await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        const count = async () =>
          (await reader.query('SELECT count(*)::int AS n FROM brugere')).rows[0].n as number;
        expect(await count()).to.equal(40);
        writeSampleSnapshot(ctx.paths.cache, 90);
        const exporting = runActualStateExport(ctx);
        await new Promise((r) => setTimeout(r, 500));
        expect(await count(), 'while the export runs').to.equal(40);
        await reader.query('COMMIT');
        await exporting;
        expect(await count(), 'after the swap').to.equal(90);
      } finally {
        await reader.end();
      }
    });

    it('connection refused is one line naming the target without the password', async () => {
      const c = ctxWith({
        'exporters.actual_state.type': 'Postgres',
        'exporters.actual_state.host': '127.0.0.1',
        'exporters.actual_state.port': 1,
        'exporters.actual_state.user': 'mo',
        'exporters.actual_state.password': 'hemmeligt-pw',
      });
      try {
        writeSampleSnapshot(c.paths.cache, 3);
        await runActualStateExport(c).then(
          () => expect.fail('should fail'),
          (err: Error) => {
            expect(err.message).to.match(
              /^cannot connect to postgresql:\/\/mo@127\.0\.0\.1:1\/ActualState: /,
            );
            expect(err.message).to.not.include('hemmeligt');
            expect(err.message).to.not.include('\n');
          },
        );
      } finally {
        c.cleanup();
      }
    });
  });
});
