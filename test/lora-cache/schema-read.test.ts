import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import {
  createSnapshotSchema,
  SNAPSHOT_TABLES,
  columnNames,
  snapshotTables,
} from '../../jobs/lora-cache/schema.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import { snapshotPath } from '../../jobs/lora-cache/paths.js';

function writeSnapshot(file: string, started: Date, tables = snapshotTables('actual')): void {
  const db = new Database(file);
  createSnapshotSchema(db, { tables });
  db.prepare(
    `INSERT INTO snapshot_info (mode, mo_url, graphql_version, build_started, build_finished, export_cpr, row_counts, builder)
     VALUES ('actual', 'http://mo', '29', ?, ?, 1, '{"brugere":1}', 'test')`,
  ).run(started.toISOString(), new Date(started.getTime() + 1000).toISOString());
  db.prepare('INSERT INTO brugere (uuid, fornavn) VALUES (?, ?)').run('u1', 'Anders');
  db.close();
}

describe('lora-cache schema and reader', () => {
  let ctx: TestJobContext;
  beforeEach(() => {
    ctx = makeJobContext('reports_csv', {});
  });
  afterEach(() => ctx.cleanup());

  it('creates every table, its w-view and indexes on uuid columns', () => {
    const db = new Database(':memory:');
    createSnapshotSchema(db);
    const names = db.prepare('SELECT name, type FROM sqlite_master').all() as {
      name: string;
      type: string;
    }[];
    for (const t of SNAPSHOT_TABLES) {
      expect(names).to.deep.include({ name: t.name, type: 'table' });
      expect(names).to.deep.include({ name: `w${t.name}`, type: 'view' });
    }
    expect(names.map((n) => n.name)).to.include.members([
      'kvittering',
      'snapshot_info',
      'ix_engagementer_bruger_uuid',
      'ix_adresser_engagement_uuid',
    ]);
    expect(columnNames('enheder')).to.include.members([
      'forældreenhed_uuid',
      'organisatorisk_sti',
      'opmærkning_titel',
    ]);
    db.prepare('INSERT INTO enheder ("forældreenhed_uuid", uuid) VALUES (?, ?)').run('p', 'c');
    expect(db.prepare('SELECT forældreenhed_uuid AS p FROM wenheder').get()).to.deep.equal({ p: 'p' });
  });

  it('opens the newest snapshot read-only with its info', () => {
    const file = snapshotPath(ctx.settings, ctx.paths, 'actual');
    expect(file).to.equal(path.join(ctx.paths.cache, 'actual_state.db'));
    writeSnapshot(file, new Date());
    const r = openSnapshot({
      settings: ctx.settings,
      paths: ctx.paths,
      notOlderThan: new Date(Date.now() - 60_000),
    });
    try {
      expect(r.info.mode).to.equal('actual');
      expect(r.info.rowCounts).to.deep.equal({ brugere: 1 });
      expect(r.db.prepare('SELECT fornavn FROM wbrugere').get()).to.deep.equal({ fornavn: 'Anders' });
      expect(() => r.db.prepare("INSERT INTO brugere (uuid) VALUES ('x')").run()).to.throw(/readonly/);
    } finally {
      r.close();
    }
  });

  it('refuses a snapshot built before the run started, naming the file and the job', () => {
    const file = snapshotPath(ctx.settings, ctx.paths, 'actual');
    writeSnapshot(file, new Date('2026-01-01T01:00:00Z'));
    expect(() =>
      openSnapshot({
        settings: ctx.settings,
        paths: ctx.paths,
        notOlderThan: new Date('2026-01-02T00:00:00Z'),
      }),
    ).to.throw(
      /actual_state\.db was built at 2026-01-01T01:00:00.000Z, before this run started .*run exports_cache_loracache first/,
    );
  });

  it('names the job to run when the snapshot is missing or garbage', () => {
    expect(() => openSnapshot({ settings: ctx.settings, paths: ctx.paths, mode: 'historic' })).to.throw(
      /historic\.db does not exist; run exports_historic_cache_loracache first/,
    );
    fs.writeFileSync(path.join(ctx.paths.cache, 'historic.db'), 'garbage garbage garbage');
    expect(() => openSnapshot({ settings: ctx.settings, paths: ctx.paths, mode: 'historic' })).to.throw(
      /historic\.db .*run exports_historic_cache_loracache again/,
    );
  });

  it("refuses a file holding another mode's snapshot", () => {
    writeSnapshot(path.join(ctx.paths.cache, 'historic.db'), new Date());
    expect(() => openSnapshot({ settings: ctx.settings, paths: ctx.paths, mode: 'historic' })).to.throw(
      /historic\.db holds the actual snapshot, not the historic one; run exports_historic_cache_loracache again$/,
    );
  });

  it('refuses a snapshot lacking a table of its mode (built by an older version)', () => {
    writeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'), new Date(), SNAPSHOT_TABLES);
    expect(() => openSnapshot({ settings: ctx.settings, paths: ctx.paths })).to.throw(
      /actual_state\.db lacks table engagement_perioder \(built by an older version\); run exports_cache_loracache again$/,
    );
  });

  it('uses lc-for-jobs.actual_db_name relative to the installation root', () => {
    const c = makeJobContext('x', { 'lc-for-jobs.actual_db_name': 'ActualState' });
    try {
      expect(snapshotPath(c.settings, c.paths, 'actual')).to.equal(
        path.resolve(c.paths.root, 'ActualState.db'),
      );
    } finally {
      c.cleanup();
    }
  });
});
