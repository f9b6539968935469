/**
 * A whole dry night against the sandbox (MO, OS2sync and SD emulators; PostgreSQL when available) after a real
 * night: no file outside the dry run's scratch area changes, no database table changes, nothing is sent to
 * OS2sync, MO or the SD services, and post_backup does not miss a pre-night part.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { allJobs } from '../../orchestrator/all-jobs.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { startOs2syncEmulator, type Os2syncEmulator } from '../emulators/os2sync/index.js';
import { startTriggerEmulator, type TriggerEmulator } from '../emulators/sd/index.js';
import { freshPgDatabase, pgPlan, PG_UNAVAILABLE, type PgTestDatabase } from '../actual-state/pg-server.js';
import { makeTempDir } from '../helpers/job-context.js';
import { quietNight } from '../helpers/quiet-night.js';

type Tree = Map<string, { mtimeMs: number; sha256: string }>;

/** Every file below `dir`: mtime and content hash. */
function walk(dir: string, out: Tree = new Map()): Tree {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else if (e.isFile()) {
      const data = fs.readFileSync(full);
      out.set(full, {
        mtimeMs: fs.statSync(full).mtimeMs,
        sha256: crypto.createHash('sha256').update(data).digest('hex'),
      });
    }
  }
  return out;
}

/** Every table of the database's public schema with an md5 of its ordered contents. */
async function pgTables(db: PgTestDatabase): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const out: Record<string, string> = {};
    for (const { tablename } of tables.rows) {
      const r = await client.query<{ h: string | null; n: string }>(
        `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h, count(*) AS n FROM "${tablename}" t`,
      );
      out[tablename] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

describe('run --dry-run: a whole dry night changes nothing outside its scratch area', function () {
  this.timeout(300_000);
  let mo: MoEmulator;
  let os2sync: Os2syncEmulator;
  let sd: TriggerEmulator;
  let db: PgTestDatabase | null;
  let state: string;
  let out: string;
  let settings: Settings;

  before(async () => {
    db = await freshPgDatabase();
    if (!db) {
      if (pgPlan(process.env, false) === 'fail') throw new Error(PG_UNAVAILABLE);
      console.log(`    (PostgreSQL part left out: ${PG_UNAVAILABLE})`);
    }
    mo = await startMoEmulator({ size: 'S', seed: 11 });
    os2sync = await startOs2syncEmulator();
    sd = await startTriggerEmulator({ sdChangedAt: { runTimeMs: 50 } });
    const root = makeTempDir('dry-night-');
    state = path.join(root, 'state');
    out = path.join(root, 'out');
    fs.mkdirSync(out, { recursive: true });
    const actualTarget = db
      ? {
          'exporters.actual_state.type': 'Postgres',
          'exporters.actual_state.host': db.host,
          'exporters.actual_state.port': db.port,
          'exporters.actual_state.db_name': db.database,
          'exporters.actual_state.user': db.user,
          ...(db.password ? { 'exporters.actual_state.password': db.password } : {}),
        }
      : { 'exporters.actual_state.type': 'SQLite', 'exporters.actual_state.db_name': `${out}/actual` };
    settings = new Settings(
      {
        'runner.state_dir': state,
        'mora.base': mo.url,
        'municipality.cvr': '29189846',
        ...sd.settings(),
        'imports.sd_changed_at.poll_interval': '20ms',
        'imports.sd_changed_at.poll_max_interval': '40ms',
        'crontab.CRON_BACKUP': path.join(out, 'backup'),
        'crontab.RUN_SDTOOL_PLUS': true,
        'crontab.RUN_SD_CHANGED_AT': true,
        'crontab.RUN_MANAGER_SYNC': true,
        'crontab.RUN_MO_DATA_SANITY_CHECK': true,
        'crontab.RUN_CPR_UUID': true,
        'cpr.uuid.output_file': path.join(out, 'cpr_uuid_map.csv'),
        'crontab.RUN_CACHE_LORACACHE': true,
        'crontab.RUN_CACHE_HISTORIC_LORACACHE': true,
        'crontab.RUN_ACTUAL_STATE_EXPORT': true,
        ...actualTarget,
        'crontab.RUN_HISTORIC_SQL_EXPORT': true,
        'exporters.actual_state_historic.type': 'SQLite',
        'exporters.actual_state_historic.db_name': path.join(out, 'historic'),
        'crontab.RUN_OS2SYNC': true,
        'os2sync.use_lc_db': true,
        'os2sync.api_url': os2sync.url,
        'os2sync.top_unit_uuid': mo.fixture.landmarks.rootUnit,
        'crontab.RUN_REPORTS_ENGAGEMENTS_MANAGERS': true,
        'crontab.RUN_REPORTS_CSV': true,
        'crontab.RUN_REPORTS_INVALID_CPR': true,
        'reports.output_dir': path.join(out, 'reports'),
      },
      'test',
    );
    const real = await quietNight(settings, { root, jobs: allJobs(settings) });
    const failed = real.jobs.filter((j) => j.status !== 'succeeded' && j.status !== 'disabled');
    expect(failed.map((j) => `${j.name}: ${j.message}`)).to.deep.equal([]);
  });
  after(async () => {
    await Promise.all([mo?.stop(), os2sync?.stop(), sd?.stop()]);
    await db?.drop();
  });

  it('files, tables, OS2sync, MO and SD are untouched; each job says what it would have written', async () => {
    const own = (f: string) =>
      /\/history\.sqlite(-wal|-shm|-journal)?$/.test(f) || f.startsWith(path.join(state, 'logs') + path.sep);
    const filesBefore = new Map([...walk(state), ...walk(out)].filter(([f]) => !own(f)));
    const tablesBefore = db ? await pgTables(db) : {};
    if (db) expect(Object.keys(tablesBefore)).to.include.members(['brugere', 'enheder', 'kvittering']);
    os2sync.requests.length = 0;
    mo.reset();
    const sdBefore = {
      ...sd.sdtoolPlus,
      changedAt: sd.sdChangedAt.triggers,
      managers: sd.managerSync.triggers,
    };

    const dry = await quietNight(settings, {
      root: path.dirname(state),
      jobs: allJobs(settings),
      dryRun: true,
    });

    const jobs = dry.jobs.filter((j) => j.status !== 'disabled');
    expect(jobs.filter((j) => j.status !== 'succeeded').map((j) => `${j.name}: ${j.message}`)).to.deep.equal(
      [],
    );
    const scratch = path.join(state, 'dry-run', dry.runId) + path.sep;
    const filesAfter = new Map([...walk(state), ...walk(out)].filter(([f]) => !own(f)));
    const added = [...filesAfter.keys()].filter((f) => !filesBefore.has(f));
    expect(added.filter((f) => !f.startsWith(scratch))).to.deep.equal([]);
    for (const [f, before] of filesBefore) expect(filesAfter.get(f), f).to.deep.equal(before);
    expect(added.map((f) => path.relative(scratch, f)).sort()).to.include.members([
      'exports_cache_loracache/actual_state.db',
      'exports_cpr_uuid/cpr_uuid_map.csv',
      'exports_historic_sql_export/historic.db',
    ]);
    expect(fs.statSync(path.join(scratch, 'exports_cpr_uuid/cpr_uuid_map.csv')).mode & 0o777).to.equal(0o600);
    if (db) expect(await pgTables(db)).to.deep.equal(tablesBefore);

    expect(os2sync.requests).to.deep.equal([]);
    expect(mo.uploads.size).to.equal(0);
    expect(
      mo.requestLog.filter((r) =>
        r.rootFields.some((f) => /_(create|update|terminate)$|^upload_file$/.test(f)),
      ),
    ).to.deep.equal([]);
    expect(sd.sdChangedAt.triggers).to.equal(sdBefore.changedAt);
    expect(sd.managerSync.triggers).to.equal(sdBefore.managers);

    const message = (name: string) => jobs.find((j) => j.name === name)!.message ?? '';
    expect(message('exports_cpr_uuid')).to.match(
      /^dry run: would have written .*cpr_uuid_map\.csv \(\d+ persons, \d+ bytes\)/,
    );
    expect(message('exports_actual_state_export')).to.match(
      db
        ? /^dry run: would have written postgresql:\/\/.* \(\d+ rows/
        : /^dry run: would have written .*actual\.db/,
    );
    expect(message('exports_os2sync')).to.match(/^dry run: would send 0 requests/);
    expect(message('post_backup')).to.match(/^dry run: would write /);
    const postLog = fs.readFileSync(jobs.find((j) => j.name === 'post_backup')!.logPath!, 'utf8');
    expect(postLog).to.not.contain('pre_backup did not run');
  });
});
