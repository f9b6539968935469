/**
 * A8/A9 (specs/hosting.md §6): the rendered CronWorkflow executed by the Argo simulator, each task a separate
 * `node bin/job-runner` process on one shared state dir, against the sandbox emulators (MO, OS2sync, SD), equals
 * an in-process `job-runner run` of the same settings; faults injected through the emulators.
 */
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { startTriggerEmulator, type TriggerEmulator } from '../emulators/sd/index.js';
import { startOs2syncEmulator, type Os2syncEmulator } from '../emulators/os2sync/server.js';
import { generateFixture } from '../fixtures/generate.js';
import { makeTempDir } from '../helpers/job-context.js';
import { cli, type Sandbox } from '../cli/spawn-cli.js';
import { loadSettings } from '../../orchestrator/settings.js';
import { allJobs, allSpecs } from '../../orchestrator/all-jobs.js';
import { renderBundle } from '../../orchestrator/k8s/render.js';
import { simulateWorkflow, type SimResult } from './argo-sim.js';

const CVR = '29189854';

interface Env {
  mo: MoEmulator;
  sd: TriggerEmulator;
  os2sync: Os2syncEmulator;
  secret: string;
}

/** The demo's kind of settings (scripts/demo.ts), fewer jobs: outputs under `base`. */
function nightSettings(e: Env, base: string): Record<string, unknown> {
  return {
    'runner.state_dir': path.join(base, 'var'),
    'runner.concurrency': 2,
    'runner.kill_grace': '2s',
    'municipality.name': 'Andeby',
    'mora.base': e.mo.url,
    'crontab.CLIENT_ID': 'dipex',
    'crontab.CLIENT_SECRET': e.secret,
    'crontab.AUTH_SERVER': e.mo.authServer,
    'crontab.AUTH_REALM': 'mo',
    'crontab.CRON_BACKUP': path.join(base, 'backup'),
    'crontab.BACKUP_SAVE_DAYS': 7,
    'crontab.RUN_SD_CHANGED_AT': true,
    'imports.sd_changed_at.url': e.sd.sdChangedAt.triggerUrl,
    'imports.sd_changed_at.metrics_url': e.sd.sdChangedAt.metricsUrl,
    'imports.sd_changed_at.poll_interval': '100ms',
    'imports.sd_changed_at.poll_max_interval': '200ms',
    'imports.sd_changed_at.timeout': '1m',
    'crontab.RUN_CACHE_LORACACHE': true,
    'crontab.RUN_OS2SYNC': true,
    'municipality.cvr': CVR,
    'os2sync.api_url': e.os2sync.url,
    'os2sync.top_unit_uuid': e.mo.fixture.landmarks.rootUnit,
    'os2sync.retry.max_attempts': 1,
    'os2sync.retry.base_delay': '10ms',
    'crontab.RUN_REPORTS_CSV': true,
    'reports.output_dir': path.join(base, 'out', 'reports'),
  };
}

function writeSettings(base: string, values: Record<string, unknown>): Sandbox {
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  fs.chmodSync(base, 0o700);
  const settingsFile = path.join(base, 'settings.json');
  fs.writeFileSync(settingsFile, JSON.stringify(values, null, 2), { mode: 0o600 });
  return {
    dir: base,
    settingsFile,
    stateDir: String(values['runner.state_dir']),
    write: () => undefined,
  };
}

/** Renders the bundle of `values` into `dir` as `job-runner k8s render` would. */
function render(values: Record<string, unknown>, base: string): string {
  const sb = writeSettings(base, values);
  const settings = loadSettings({ file: sb.settingsFile, env: {}, cwd: base, specs: allSpecs() });
  const jobs = allJobs(settings);
  const bundle = renderBundle(jobs, settings, allSpecs(jobs), {
    namespace: 'andeby',
    image: 'registry.example/job-runner:test',
  });
  const dir = path.join(base, 'bundle');
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of bundle) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

async function statusOf(settingsFile: string, run?: string) {
  const sb = { dir: path.dirname(settingsFile), settingsFile, stateDir: '', write: () => undefined };
  const r = await cli(sb, ['status', '--json', ...(run ? ['--run', run] : [])]);
  expect(r.code, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as {
    run: { id: string; status: string; trigger: string };
    jobs: { name: string; status: string; message: string | null }[];
  };
}

const normalise = (text: string) =>
  text.replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g, '<time>');

/** Report files under `dir`: CSV bytes and XLSX cell values (the zip holds times), timestamps normalised. */
async function outputFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, f);
    if (f.endsWith('.xlsx')) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      const sheets = wb.worksheets.map((ws) => {
        const rows: unknown[] = [];
        ws.eachRow((row) => rows.push(row.values));
        return { name: ws.name, rows };
      });
      out[f] = normalise(JSON.stringify(sheets));
    } else out[f] = normalise(fs.readFileSync(file, 'utf8'));
  }
  return out;
}

/** Row counts of every table of every SQLite snapshot in the cache dir. */
function snapshotCounts(stateDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const cache = path.join(stateDir, 'cache');
  const walk = (d: string): string[] =>
    fs.existsSync(d)
      ? fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))
      : [];
  for (const file of walk(cache).filter((f) => /\.(sqlite|db)$/.test(f))) {
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      for (const t of tables)
        out[`${path.relative(cache, file)}:${t.name}`] = (
          db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get() as { n: number }
        ).n;
    } finally {
      db.close();
    }
  }
  return out;
}

const statuses = (s: { jobs: { name: string; status: string }[] }) =>
  s.jobs.map((j) => ({ name: j.name, status: j.status }));

describe('split night: the rendered CronWorkflow run task by task (A8, A9)', function () {
  this.timeout(90_000);
  let env: Env;
  let tmp: string;

  before(async () => {
    const secret = crypto.randomBytes(18).toString('base64url');
    const mo = await startMoEmulator({
      fixture: generateFixture({ size: 'S' }),
      auth: { clientId: 'dipex', clientSecret: secret },
    });
    const sd = await startTriggerEmulator({
      sdtoolPlus: { outcome: 'ok', runTimeMs: 100 },
      sdChangedAt: { outcome: 'ok', startDelayMs: 50, runTimeMs: 200 },
      managerSync: { outcome: 'ok', runTimeMs: 100 },
    });
    const os2sync = await startOs2syncEmulator({ cvr: CVR });
    env = { mo, sd, os2sync, secret };
    tmp = makeTempDir('jr-split-');
    fs.chmodSync(tmp, 0o700);
  });

  after(async () => {
    for (const s of [env?.os2sync, env?.sd, env?.mo]) await s?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const simulate = (bundle: string, stateRoot: string, name: string, retryOf?: SimResult) =>
    simulateWorkflow({
      bundleDir: bundle,
      stateRoot,
      workflowName: name,
      secrets: { 'keycloak-dipex-secret': { client_secret: env.secret } },
      ...(retryOf ? { retryOf } : {}),
    });

  it('A8: one run whose jobs and outputs equal an in-process run of the same settings', async () => {
    // in-process, on a fresh dir
    env.os2sync.reset();
    const inBase = path.join(tmp, 'inproc');
    const inValues = nightSettings(env, inBase);
    const sb = writeSettings(inBase, inValues);
    const ran = await cli(sb, ['run']);
    expect(ran.code, ran.stderr).to.equal(0);
    const inStatus = await statusOf(sb.settingsFile);
    const inUnits = env.os2sync.state.orgUnits.size;

    // split, on a shared state dir
    env.os2sync.reset();
    const base = path.join(tmp, 'split');
    const bundle = render(nightSettings(env, base), base);
    const sim = await simulate(bundle, path.join(base, 'state'), 'job-runner-1764554400');
    expect(sim.phase).to.equal('Succeeded');
    expect(sim.onExit?.exitCode, sim.onExit?.stderr).to.equal(0);
    expect(sim.daemoned).to.equal(1);
    expect(sim.maxParallel).to.equal(2);
    for (const r of sim.tasks.values()) {
      expect(r.stderr).not.to.match(/SQLITE_BUSY|database is locked/);
      expect(r.args).not.to.satisfy((a: string[]) => a.some((x) => x.includes('{{')));
    }

    const split = await statusOf(sim.settingsFile);
    expect(split.run).to.include({ id: 'job-runner-1764554400', status: 'succeeded', trigger: 'k8s' });
    const history = await cli(
      { dir: base, settingsFile: sim.settingsFile, stateDir: '', write: () => undefined },
      ['history', '--json'],
    );
    expect(JSON.parse(history.stdout)).to.have.length(1);
    expect(statuses(split)).to.deep.equal(statuses(inStatus));
    expect(statuses(split).filter((j) => j.status === 'succeeded').length).to.be.greaterThan(4);

    expect(env.os2sync.state.orgUnits.size).to.equal(inUnits);
    const counts = snapshotCounts(sim.stateDir);
    expect(Object.keys(counts)).to.have.length.greaterThan(3);
    expect(counts).to.deep.equal(snapshotCounts(sb.stateDir));
    const csv = await outputFiles(path.join(base, 'out', 'reports'));
    expect(Object.keys(csv).filter((f) => f.endsWith('.csv'))).to.have.length.greaterThan(0);
    const inCsv = await outputFiles(path.join(inBase, 'out', 'reports'));
    expect(csv).to.deep.equal(inCsv);
    expect(fs.readdirSync(path.join(sim.stateDir, 'logs', 'job-runner-1764554400'))).to.include('run.jsonl');
  });

  it('A9: SD trigger 500 fails the import, skips every export and report naming it, post_backup runs', async () => {
    env.os2sync.reset();
    env.sd.configure('sdChangedAt', { outcome: 'http500', runTimeMs: 100 });
    try {
      const base = path.join(tmp, 'sd500');
      const bundle = render(nightSettings(env, base), base);
      const sim = await simulate(bundle, path.join(base, 'state'), 'job-runner-sd500');
      expect(sim.phase).to.equal('Failed');
      expect(sim.onExit?.exitCode).to.equal(1);
      expect(sim.tasks.get('imports-sd-changed-at')?.phase).to.equal('Failed');
      expect(sim.tasks.get('post-backup')?.phase).to.equal('Succeeded');
      const s = await statusOf(sim.settingsFile);
      expect(s.run.status).to.equal('failed');
      const byName = new Map(s.jobs.map((j) => [j.name, j]));
      expect(byName.get('imports_sd_changed_at')?.status).to.equal('failed');
      expect(byName.get('post_backup')?.status).to.equal('succeeded');
      for (const name of ['exports_cache_loracache', 'exports_os2sync', 'reports_csv']) {
        expect(byName.get(name)?.status, name).to.equal('skipped');
        expect(byName.get(name)?.message, name).to.match(/prerequisite \S+ (failed|skipped)/);
      }
      expect(byName.get('exports_cache_loracache')?.message).to.equal(
        'prerequisite imports_sd_changed_at failed',
      );
    } finally {
      env.sd.configure('sdChangedAt', { outcome: 'ok', startDelayMs: 50, runTimeMs: 200 });
    }
  });

  it('A9: one export failing leaves its siblings; argo retry completes the night with two attempts', async () => {
    env.os2sync.reset();
    env.os2sync.setFaults({ serverErrorFrom: { request: 1, status: 500 } });
    const base = path.join(tmp, 'retry');
    const bundle = render(nightSettings(env, base), base);
    const name = 'job-runner-retry';
    const first = await simulate(bundle, path.join(base, 'state'), name);
    expect(first.phase).to.equal('Failed');
    expect(first.tasks.get('exports-os2sync')?.phase).to.equal('Failed');
    const s1 = await statusOf(first.settingsFile);
    const failed = s1.jobs.filter((j) => j.status !== 'succeeded' && j.status !== 'disabled');
    expect(failed.map((j) => j.name)).to.deep.equal(['exports_os2sync']);

    env.os2sync.setFaults({});
    const second = await simulate(bundle, path.join(base, 'state'), name, first);
    expect(second.phase).to.equal('Succeeded');
    expect(second.launched).to.equal(1);
    expect(second.onExit?.exitCode, second.onExit?.stderr).to.equal(0);
    const s2 = await statusOf(second.settingsFile);
    expect(s2.run).to.include({ id: name, status: 'succeeded' });
    const sb = { dir: base, settingsFile: second.settingsFile, stateDir: '', write: () => undefined };
    const h = await cli(sb, ['history', 'exports_os2sync', '--json']);
    const attempts = JSON.parse(h.stdout) as { runId: string; status: string }[];
    expect(attempts.map((a) => [a.runId, a.status])).to.deep.equal([
      [name, 'succeeded'],
      [name, 'failed'],
    ]);
    const runs = JSON.parse((await cli(sb, ['history', '--json'])).stdout) as unknown[];
    expect(runs).to.have.length(1);
  });
});
