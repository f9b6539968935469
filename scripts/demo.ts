/**
 * `npm run demo` (DESIGN §9): a whole night against the sandbox, offline.
 * Starts the MO emulator (with its Keycloak token endpoint), the SD/SDTool+/manager-sync trigger emulator and
 * the OS2sync emulator on free 127.0.0.1 ports, generates "Andeby Kommune" (fixture S), writes
 * var/demo/settings.json (0600) with every demo job enabled, runs the night, prints the status table and
 * where the outputs are, stops the emulators and exits with the run's exit code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runJobs } from '../orchestrator/run-night.js';
import { writeFileAtomic } from '../orchestrator/atomic-write.js';
import { loadSettings } from '../orchestrator/settings.js';
import { Settings } from '../orchestrator/settings-store.js';
import { allJobs, allSpecs } from '../orchestrator/all-jobs.js';
import { repoRoot, formatDuration, table } from '../orchestrator/commands/context.js';
import { errorLine } from '../orchestrator/execute.js';
import { oneLine } from '../jobs/clients/http.js';
import { startMoEmulator, type MoEmulator } from '../test/emulators/mo/index.js';
import { startTriggerEmulator, type TriggerEmulator } from '../test/emulators/sd/index.js';
import { startOs2syncEmulator, type Os2syncEmulator } from '../test/emulators/os2sync/server.js';
import { generateFixture } from '../test/fixtures/generate.js';
import {
  startRollekatalogEmulator,
  type RollekatalogEmulator,
} from '../test/emulators/rollekatalog/server.js';
import {
  startOs2phonebookEmulator,
  type Os2phonebookEmulator,
} from '../test/emulators/os2phonebook/server.js';
import { demoListen } from './demo-listen.js';

interface Sandbox {
  mo: MoEmulator;
  sd: TriggerEmulator;
  os2sync: Os2syncEmulator;
  rollekatalog: RollekatalogEmulator;
  phonebook: Os2phonebookEmulator;
  cvr: string;
  secret: string;
}

interface Paths {
  demo: string;
  state: string;
  out: string;
  backup: string;
  settingsFile: string;
}

/**
 * The jobs the demo enables: toggle and the settings the job needs in the sandbox. Extend this list as jobs
 * land (an entry whose job is not in the registry is left out).
 */
const DEMO_JOBS: { job: string; settings: (s: Sandbox, p: Paths) => Record<string, unknown> }[] = [
  {
    job: 'pre_backup',
    settings: (_s, p) => ({ 'crontab.CRON_BACKUP': p.backup, 'crontab.BACKUP_SAVE_DAYS': 7 }),
  },
  { job: 'sanity_check_mo_data', settings: () => ({ 'crontab.RUN_MO_DATA_SANITY_CHECK': true }) },
  {
    job: 'imports_sdtool_plus',
    settings: (s) => ({
      'crontab.RUN_SDTOOL_PLUS': true,
      'imports.sdtool_plus.url': s.sd.sdtoolPlus.triggerUrl,
    }),
  },
  {
    job: 'imports_sd_changed_at',
    settings: (s) => ({
      'crontab.RUN_SD_CHANGED_AT': true,
      'imports.sd_changed_at.url': s.sd.sdChangedAt.triggerUrl,
      'imports.sd_changed_at.metrics_url': s.sd.sdChangedAt.metricsUrl,
      'imports.sd_changed_at.poll_interval': '200ms',
      'imports.sd_changed_at.poll_max_interval': '500ms',
      'imports.sd_changed_at.timeout': '2m',
    }),
  },
  {
    job: 'imports_manager_sync',
    settings: (s) => ({
      'crontab.RUN_MANAGER_SYNC': true,
      'imports.manager_sync.url': s.sd.managerSync.triggerUrl,
    }),
  },
  {
    job: 'exports_cpr_uuid',
    settings: (_s, p) => ({
      'crontab.RUN_CPR_UUID': true,
      'cpr.uuid.output_file': path.join(p.out, 'cpr_mo_ad_map.csv'),
    }),
  },
  { job: 'exports_cache_loracache', settings: () => ({ 'crontab.RUN_CACHE_LORACACHE': true }) },
  {
    job: 'exports_historic_cache_loracache',
    settings: () => ({ 'crontab.RUN_CACHE_HISTORIC_LORACACHE': true }),
  },
  {
    job: 'exports_historic_skip_past_cache_loracache',
    settings: () => ({ 'crontab.RUN_CACHE_HISTORIC_SKIP_PAST_LORACACHE': true }),
  },
  {
    job: 'exports_actual_state_export',
    settings: (_s, p) => ({
      'crontab.RUN_ACTUAL_STATE_EXPORT': true,
      'exporters.actual_state.type': 'SQLite',
      'exporters.actual_state.db_name': path.join(p.out, 'ActualState'),
    }),
  },
  {
    job: 'exports_historic_sql_export',
    settings: (_s, p) => ({
      'crontab.RUN_HISTORIC_SQL_EXPORT': true,
      'exporters.actual_state_historic.type': 'SQLite',
      'exporters.actual_state_historic.db_name': path.join(p.out, 'ActualStateHistoric'),
    }),
  },
  {
    job: 'exports_os2sync',
    settings: (s) => ({
      'crontab.RUN_OS2SYNC': true,
      'municipality.cvr': s.cvr,
      'os2sync.api_url': s.os2sync.url,
      'os2sync.top_unit_uuid': s.mo.fixture.landmarks.rootUnit,
    }),
  },
  {
    job: 'exports_mox_rollekatalog',
    settings: (s) => ({
      'crontab.RUN_MOX_ROLLE': true,
      'exporters.os2rollekatalog.rollekatalog.url': s.rollekatalog.url,
      'exporters.os2rollekatalog.rollekatalog.api_token': s.rollekatalog.apiKey,
      'exporters.os2rollekatalog.main_root_org_unit': s.mo.fixture.landmarks.rootUnit,
      'exporters.os2rollekatalog.sync_titles': true,
    }),
  },
  {
    job: 'exports_os2phonebook_export',
    settings: (s) => ({
      'crontab.RUN_EXPORTS_OS2MO_PHONEBOOK': true,
      'exporters.os2phonebook_base_url': s.phonebook.baseUrl,
      'exporters.os2phonebook_basic_auth_user': s.phonebook.user,
      'exporters.os2phonebook_basic_auth_pass': s.phonebook.password,
    }),
  },
  {
    job: 'reports_engagements_managers',
    settings: (_s, p) => ({
      'crontab.RUN_REPORTS_ENGAGEMENTS_MANAGERS': true,
      'reports.output_dir': path.join(p.out, 'reports'),
    }),
  },
  { job: 'reports_csv', settings: () => ({ 'crontab.RUN_REPORTS_CSV': true }) },
  { job: 'reports_invalid_cpr', settings: () => ({ 'crontab.RUN_REPORTS_INVALID_CPR': true }) },
];

function demoPaths(root: string): Paths {
  const demo = path.join(root, 'var', 'demo');
  return {
    demo,
    state: path.join(demo, 'state'),
    out: path.join(demo, 'out'),
    backup: path.join(demo, 'backup'),
    settingsFile: path.join(demo, 'settings.json'),
  };
}

function writeSettings(sandbox: Sandbox, paths: Paths, known: Set<string>): string[] {
  const values: Record<string, unknown> = {
    'runner.state_dir': paths.state,
    'runner.concurrency': 4,
    'mora.base': sandbox.mo.url,
    'crontab.CLIENT_ID': 'dipex',
    'crontab.CLIENT_SECRET': sandbox.secret,
    'crontab.AUTH_SERVER': sandbox.mo.authServer,
    'crontab.AUTH_REALM': 'mo',
  };
  const enabled: string[] = [];
  for (const entry of DEMO_JOBS) {
    if (!known.has(entry.job)) continue;
    Object.assign(values, entry.settings(sandbox, paths));
    enabled.push(entry.job);
  }
  if (values['reports.output_dir'] === undefined)
    values['reports.output_dir'] = path.join(paths.out, 'reports');
  writeFileAtomic(paths.settingsFile, JSON.stringify(values, null, 2) + '\n', { mode: 0o600 });
  return enabled;
}

/** Only what a child process needs: the operator's MO credentials or settings overrides must not leak in. */
function demoEnv(): Record<string, string | undefined> {
  const keep = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'SystemRoot'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

function listOutputs(paths: Paths, logDir: string): string[] {
  const lines = [`settings:  ${paths.settingsFile}`, `logs:      ${logDir}`];
  const walk = (dir: string): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]))
      : [];
  for (const file of walk(paths.out)) lines.push(`output:    ${file} (${fs.statSync(file).size} bytes)`);
  for (const file of walk(path.join(paths.state, 'cache'))) lines.push(`cache:     ${file}`);
  for (const file of walk(paths.backup)) lines.push(`backup:    ${file}`);
  return lines;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const paths = demoPaths(root);
  fs.mkdirSync(paths.demo, { recursive: true, mode: 0o700 });
  // The emulators start empty every time, so caches from an earlier demo (e.g. OS2sync's hash cache, which
  // would make the export send nothing) must go; the run history stays so `status` and `history` show every demo.
  fs.rmSync(path.join(paths.state, 'cache'), { recursive: true, force: true });
  fs.rmSync(paths.out, { recursive: true, force: true });
  for (const dir of [paths.state, paths.out, paths.backup]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }
  const out = (line: string): void => void process.stdout.write(line + '\n');

  out('demo: generating Andeby Kommune (fixture S) and starting the emulators …');
  const secret = crypto.randomBytes(18).toString('base64url');
  const cvr = '29189854';
  const fixture = generateFixture({ size: 'S' });
  const started: { stop(): Promise<void> }[] = [];
  try {
    const mo = await startMoEmulator({
      fixture,
      auth: { clientId: 'dipex', clientSecret: secret, actorUuid: crypto.randomUUID() },
    });
    started.push(mo);
    const sd = await startTriggerEmulator({
      sdtoolPlus: { outcome: 'ok', runTimeMs: 300 },
      sdChangedAt: { outcome: 'ok', startDelayMs: 100, runTimeMs: 800 },
      managerSync: { outcome: 'ok', runTimeMs: 300 },
    });
    started.push(sd);
    const os2sync = await startOs2syncEmulator({ cvr });
    started.push(os2sync);
    const rollekatalog = await startRollekatalogEmulator();
    started.push(rollekatalog);
    const phonebook = await startOs2phonebookEmulator({
      password: crypto.randomBytes(12).toString('base64url'),
    });
    started.push(phonebook);
    out(
      `demo: OS2mo ${mo.url} (Keycloak ${mo.authServer}), OS2sync ${os2sync.url}, SD changed-at ${sd.sdChangedAt.url}, ` +
        `Rollekatalog ${rollekatalog.url}, OS2phonebook ${phonebook.baseUrl}`,
    );

    const sandbox: Sandbox = { mo, sd, os2sync, rollekatalog, phonebook, cvr, secret };
    const env = demoEnv();
    // Job names do not depend on settings (only operator command jobs do, and the demo has none).
    const known = new Set(allJobs(new Settings({}, 'demo')).map((j) => j.name));
    const enabled = writeSettings(sandbox, paths, known);
    out(`demo: ${enabled.length} jobs enabled: ${enabled.join(', ')}`);

    const settings = loadSettings({ file: paths.settingsFile, env, cwd: root, specs: allSpecs() });
    const summary = await runJobs({
      settings,
      jobs: allJobs(settings),
      trigger: 'demo',
      env,
      root,
      console: process.env.DEMO_QUIET !== '1',
    });

    out('');
    out(`run ${summary.runId}: ${summary.status} (exit ${summary.exitCode})`);
    const jobs = summary.jobs.filter((j) => j.status !== 'disabled');
    const rows = [['JOB', 'STAGE', 'STATUS', 'DURATION', 'MESSAGE']];
    for (const j of jobs)
      rows.push([j.name, j.stage, j.status, formatDuration(j.durationMs), oneLine(j.message ?? '', 110)]);
    for (const line of table(rows)) out(line);
    out('');
    out(
      `OS2sync now holds ${os2sync.state.orgUnits.size} units and ${os2sync.state.users.size} users; MO served ${mo.counters.total} GraphQL requests`,
    );
    out(
      `Rollekatalog now holds ${[...rollekatalog.state.units.values()].filter((u) => u.active).length} units and ${[...rollekatalog.state.users.values()].filter((u) => !u.deleted).length} users; ` +
        `OS2phonebook ${phonebook.indexes.employees.size} employees and ${phonebook.indexes.org_units.size} units`,
    );
    for (const line of listOutputs(paths, summary.logDir)) out(line);
    if (summary.jobs.some((j) => j.name === 'exports_os2sync' && j.status === 'succeeded')) {
      out('');
      await demoListen({
        root,
        settingsFile: paths.settingsFile,
        stateDir: paths.state,
        env,
        mo,
        os2sync,
        out,
      });
    }
    out(
      `inspect with: bin/job-runner status --settings ${path.relative(process.cwd(), paths.settingsFile) || paths.settingsFile}`,
    );
    return summary.exitCode;
  } finally {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${errorLine(err)}\n`);
    process.exitCode = 2;
  },
);
