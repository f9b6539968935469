import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import type { JobDefinition } from '../../orchestrator/job.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { postBackup, preBackup } from '../../jobs/backup/definition.js';
import { archiveName, isOlderThan } from '../../jobs/backup/archive-name.js';
import { listEntries } from '../../jobs/backup/archive.js';
import { postNightFiles } from '../../jobs/backup/file-list.js';
import { postBackupWith, runPostBackup, runPreBackup } from '../../jobs/backup/run.js';
import { builtinJobs } from '../../jobs/registry.js';
import { makeJobContext, makeTempDir, type TestJobContext } from '../helpers/job-context.js';

const NIGHT = new Date('2026-11-23T01:00:00Z'); // 02:00:00 in Copenhagen
const ARCHIVE = '2026-11-23-02-00-00-cron-backup.tar.gz';
const rel = (f: string) => path.relative('/', f);

interface Site {
  root: string;
  backupDir: string;
  runDb: string;
  snapshot: string;
  /** Written by a "job" during the night. */
  stateFile: string;
  settings: Record<string, unknown>;
  stateJob: JobDefinition;
  ctx(name: string, extra?: Record<string, unknown>, opts?: { dryRun?: boolean }): TestJobContext;
}

function site(): Site {
  const root = makeTempDir('jr-backup-');
  const backupDir = path.join(root, 'backups');
  const runDb = path.join(root, 'run_db.sqlite');
  const snapshot = path.join(root, 'backup_mox.pgdump');
  const stateFile = path.join(root, 'cache', 'cpr_mo_ad_map.csv');
  fs.writeFileSync(runDb, 'run db before the night');
  fs.writeFileSync(snapshot, 'pg_dump');
  const settings = {
    'crontab.CRON_BACKUP': backupDir,
    'crontab.BACKUP_FILES': [runDb],
    'crontab.SNAPSHOT_LORA': snapshot,
    'crontab.RUN_TEST_STATE': true,
    'runner.timezone': 'Europe/Copenhagen',
  };
  const stateJob: JobDefinition = {
    name: 'exports_test_state',
    stage: 'prepare',
    toggle: ['crontab.RUN_TEST_STATE'],
    description: 'test',
    stateFiles: () => [stateFile],
    load: () => Promise.reject(new Error('not loaded')),
  };
  const contexts: TestJobContext[] = [];
  return {
    root,
    backupDir,
    runDb,
    snapshot,
    stateFile,
    settings,
    stateJob,
    ctx(name, extra = {}, opts = {}) {
      const c = makeJobContext(
        name,
        { ...settings, ...extra },
        { stateDir: path.join(root, 'var'), runStartedAt: NIGHT, ...opts },
      );
      c.paths.root = root;
      contexts.push(c);
      return c;
    },
  };
}

describe('backup: pre_backup and post_backup', () => {
  let s: Site;
  beforeEach(() => {
    s = site();
  });
  afterEach(() => fs.rmSync(s.root, { recursive: true, force: true }));

  it('one night gives one archive: pre-night files plus state files created during the night, 0600, atomic', async () => {
    const pre = await runPreBackup(s.ctx('pre_backup'));
    expect(pre.failed).to.equal(undefined);
    expect(pre.warnings).to.deep.equal([]);
    expect(pre.counters).to.deep.equal({ files: 2, missing: 0 });
    expect(fs.statSync(s.backupDir).mode & 0o777).to.equal(0o700);
    // the night: a job creates its state file and the run-db changes
    fs.mkdirSync(path.dirname(s.stateFile), { recursive: true });
    fs.writeFileSync(s.stateFile, 'cpr;uuid\n');
    fs.writeFileSync(s.runDb, 'run db after the night');

    const post = await postBackupWith(s.ctx('post_backup'), [s.stateJob]);
    expect(post.outputs).to.deep.equal([path.join(s.backupDir, ARCHIVE)]);
    expect(post.warnings).to.deep.equal([]);
    expect(fs.readdirSync(s.backupDir)).to.deep.equal([ARCHIVE]); // no pending tar, no temp file
    const file = path.join(s.backupDir, ARCHIVE);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect((await listEntries(file)).sort()).to.deep.equal(
      [`after/${rel(s.stateFile)}`, `before/${rel(s.runDb)}`, `before/${rel(s.snapshot)}`].sort(),
    );
    const out = makeTempDir('jr-backup-x-');
    await tar.extract({ file, cwd: out });
    expect(fs.readFileSync(path.join(out, 'before', rel(s.runDb)), 'utf8')).to.equal(
      'run db before the night',
    );
    expect(fs.readFileSync(path.join(out, 'after', rel(s.stateFile)), 'utf8')).to.equal('cpr;uuid\n');
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('names the archive by the run start in runner.timezone', () => {
    expect(archiveName(NIGHT, 'Europe/Copenhagen')).to.equal(ARCHIVE);
    expect(archiveName(new Date('2026-07-01T00:30:05Z'), 'Europe/Copenhagen')).to.equal(
      '2026-07-01-02-30-05-cron-backup.tar.gz',
    );
    expect(archiveName(NIGHT, 'UTC')).to.equal('2026-11-23-01-00-00-cron-backup.tar.gz');
  });

  it('a missing file is a warning (not a failure, not silent)', async () => {
    const gone = path.join(s.root, 'no-such-run-db.sqlite');
    const pre = await runPreBackup(s.ctx('pre_backup', { 'crontab.BACKUP_FILES': [s.runDb, gone] }));
    expect(pre.failed).to.equal(undefined);
    expect(pre.warnings).to.deep.equal([`1 file to back up missing: ${gone}`]);
    expect(pre.counters).to.deep.equal({ files: 2, missing: 1 });
    const post = await postBackupWith(s.ctx('post_backup'), [s.stateJob]); // state file never created
    expect(post.warnings).to.deep.equal([`1 file to back up missing: ${s.stateFile}`]);
    const postCtxLines = (await listEntries(path.join(s.backupDir, ARCHIVE))).sort();
    expect(postCtxLines).to.deep.equal([`before/${rel(s.runDb)}`, `before/${rel(s.snapshot)}`].sort());
  });

  it('a stale snapshot fails pre_backup naming the key; the pre-night files are still staged', async () => {
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    fs.utimesSync(s.snapshot, tenMinutesAgo, tenMinutesAgo);
    let error: Error | undefined;
    await runPreBackup(s.ctx('pre_backup')).catch((e: Error) => (error = e));
    expect(error?.message).to.match(
      /^database snapshot .*backup_mox\.pgdump is 60\d s old \(max 120 s, crontab\.BACKUP_MAX_SECONDS_AGE\); imports will not run on a stale snapshot$/,
    );
    expect(fs.readdirSync(s.backupDir).filter((n) => n.startsWith('.pending-'))).to.have.length(1);
    // a larger maximum accepts it
    const ok = await runPreBackup(s.ctx('pre_backup', { 'crontab.BACKUP_MAX_SECONDS_AGE': 900 }));
    expect(ok.message).to.match(/snapshot 60\d s old/);
  });

  it('a missing snapshot fails pre_backup naming crontab.SNAPSHOT_LORA', async () => {
    fs.rmSync(s.snapshot);
    let error: Error | undefined;
    await runPreBackup(s.ctx('pre_backup')).catch((e: Error) => (error = e));
    expect(error?.message).to.equal(
      `crontab.SNAPSHOT_LORA: database snapshot ${s.snapshot} does not exist; imports will not run`,
    );
  });

  it('keeps the snapshot out of the archive with crontab.BACKUP_INCLUDE_SNAPSHOT false (the guard stays)', async () => {
    await runPreBackup(s.ctx('pre_backup', { 'crontab.BACKUP_INCLUDE_SNAPSHOT': false }));
    await postBackupWith(s.ctx('post_backup'), []);
    expect(await listEntries(path.join(s.backupDir, ARCHIVE))).to.deep.equal([`before/${rel(s.runDb)}`]);
  });

  it('crontab.RUN_DB_BACKUP false (as in DIPEX) turns the snapshot off: no age guard, not archived', async () => {
    fs.rmSync(s.snapshot);
    const pre = await runPreBackup(s.ctx('pre_backup', { 'crontab.RUN_DB_BACKUP': false }));
    expect(pre.message).to.equal('1 files staged; snapshot not checked (crontab.RUN_DB_BACKUP is false)');
    await postBackupWith(s.ctx('post_backup', { 'crontab.RUN_DB_BACKUP': false }), []);
    expect(await listEntries(path.join(s.backupDir, ARCHIVE))).to.deep.equal([`before/${rel(s.runDb)}`]);
    // "true", as DIPEX's files say it, keeps the guard
    let error: Error | undefined;
    await runPreBackup(s.ctx('pre_backup', { 'crontab.RUN_DB_BACKUP': 'true' })).catch(
      (e: Error) => (error = e),
    );
    expect(error?.message).to.match(/^crontab\.SNAPSHOT_LORA: database snapshot .* does not exist/);
  });

  it('post_backup without pre_backup still writes the archive, with a warning', async () => {
    fs.mkdirSync(path.dirname(s.stateFile), { recursive: true });
    fs.writeFileSync(s.stateFile, 'x');
    const post = await postBackupWith(s.ctx('post_backup'), [s.stateJob]);
    expect(post.warnings).to.deep.equal(['no pre-night part: pre_backup did not run in this run']);
    expect(await listEntries(path.join(s.backupDir, ARCHIVE))).to.deep.equal([`after/${rel(s.stateFile)}`]);
    expect(fs.statSync(path.join(s.backupDir, ARCHIVE)).mode & 0o777).to.equal(0o600);
  });

  it('retention deletes only archives older than BACKUP_SAVE_DAYS that match the name pattern', async () => {
    fs.mkdirSync(s.backupDir, { recursive: true });
    const now = new Date();
    const named = (daysAgo: number) =>
      archiveName(new Date(now.getTime() - daysAgo * 86_400_000), 'Europe/Copenhagen');
    const old = [named(61), named(400)];
    const young = [named(59), named(1)];
    const unrelated = [
      'notes.tar.gz',
      '2020-01-01-00-00-00-cron-backup.tar.gz.keep',
      'x-2020-01-01-00-00-00-cron-backup.tar.gz',
      '2020-01-01-cron-backup.tar.gz',
    ];
    for (const n of [...old, ...young, ...unrelated]) fs.writeFileSync(path.join(s.backupDir, n), 'old');
    const post = await postBackupWith(s.ctx('post_backup'), []);
    expect(post.counters?.deleted).to.equal(2);
    const left = fs.readdirSync(s.backupDir).sort();
    expect(left).to.deep.equal([...young, ...unrelated, ARCHIVE].sort());
    // a shorter retention reaches the younger ones too, never tonight's archive
    await postBackupWith(s.ctx('post_backup', { 'crontab.BACKUP_SAVE_DAYS': 30 }), []);
    expect(fs.readdirSync(s.backupDir).sort()).to.deep.equal([named(1), ...unrelated, ARCHIVE].sort());
  });

  it('retention compares dates, not strings', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(isOlderThan('2026-09-23-12-00-00-cron-backup.tar.gz', now, 60, 'Europe/Copenhagen')).to.equal(
      true,
    );
    expect(isOlderThan('2026-09-25-12-00-00-cron-backup.tar.gz', now, 60, 'Europe/Copenhagen')).to.equal(
      false,
    );
    expect(isOlderThan('2026-13-99-00-00-00-cron-backup.tar.gz', now, 60, 'Europe/Copenhagen')).to.equal(
      false,
    );
    expect(isOlderThan('something-else.tar.gz', now, 1, 'Europe/Copenhagen')).to.equal(false);
  });

  it('removes stale pending tars of other runs, keeps fresh ones', async () => {
    fs.mkdirSync(s.backupDir, { recursive: true });
    const stale = path.join(s.backupDir, '.pending-20261101T010000Z-aaaa.tar');
    const fresh = path.join(s.backupDir, '.pending-20261123T005900Z-bbbb.tar');
    fs.writeFileSync(stale, '');
    fs.writeFileSync(fresh, '');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    fs.utimesSync(stale, twoDaysAgo, twoDaysAgo);
    await postBackupWith(s.ctx('post_backup'), []);
    expect(fs.existsSync(stale)).to.equal(false);
    expect(fs.existsSync(fresh)).to.equal(true);
  });

  it("removes a killed run's temp files (pending tar, archive being gzipped) at the next backup, no others", async () => {
    fs.mkdirSync(s.backupDir, { recursive: true });
    const leftovers = [
      '.pending-20261122T010000Z-aaaa.tar.tmp-4195081-0badf00d',
      '2026-11-22-02-00-00-cron-backup.tar.gz.tmp-4195081-0badf00d',
    ].map((n) => path.join(s.backupDir, n));
    for (const f of leftovers) fs.writeFileSync(f, 'cpr 0101901234');
    const operators = path.join(s.backupDir, 'notes.txt.tmp-1-mine');
    fs.writeFileSync(operators, 'not ours');
    await runPreBackup(s.ctx('pre_backup'));
    for (const f of leftovers) expect(fs.existsSync(f), f).to.equal(false);
    expect(fs.existsSync(operators)).to.equal(true);
  });

  it('dry run writes nothing but still checks the snapshot', async () => {
    const pre = await runPreBackup(s.ctx('pre_backup', {}, { dryRun: true }));
    expect(pre.message).to.match(/^dry run: would stage 2 files/);
    const post = await postBackupWith(s.ctx('post_backup', {}, { dryRun: true }), [s.stateJob]);
    expect(post.message).to.match(/^dry run: would write .*2026-11-23-02-00-00-cron-backup\.tar\.gz/);
    expect(post.warnings!.join('\n')).to.not.contain('pre_backup did not run');
    expect(fs.existsSync(s.backupDir)).to.equal(false);
    fs.rmSync(s.snapshot);
    let error: Error | undefined;
    await runPreBackup(s.ctx('pre_backup', {}, { dryRun: true })).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/crontab\.SNAPSHOT_LORA/);
  });

  it('uses the state files the catalogue declares (os2sync hash cache when RUN_OS2SYNC is on)', async () => {
    const c = s.ctx('post_backup', { 'crontab.RUN_OS2SYNC': true, 'crontab.RUN_TEST_STATE': false });
    const hashCache = builtinJobs.find((j) => j.name === 'exports_os2sync')!.stateFiles!(
      c.settings,
      c.paths,
    )[0]!;
    fs.mkdirSync(path.dirname(hashCache), { recursive: true });
    fs.writeFileSync(hashCache, '{}');
    const list = postNightFiles(c.settings, c.paths, builtinJobs);
    expect(list.present).to.include(hashCache);
    const post = await runPostBackup(c);
    expect(await listEntries(post.outputs![0]!)).to.include(`after/${rel(hashCache)}`);
    const off = postNightFiles(
      new Settings({ ...s.settings, 'crontab.RUN_OS2SYNC': false }, 't'),
      c.paths,
      builtinJobs,
    );
    expect(off.present).not.to.include(hashCache);
  });

  it('definitions: enabled when CRON_BACKUP is set; bad settings name the key', () => {
    expect(preBackup.enabled!(new Settings({ 'crontab.CRON_BACKUP': '/srv/backup' }, 't'))).to.equal(true);
    expect(postBackup.enabled!(new Settings({ 'crontab.CRON_BACKUP': '' }, 't'))).to.equal(false);
    expect(postBackup.enabled!(new Settings({}, 't'))).to.equal(false);
    const days = preBackup.settings!.find((x) => x.key === 'crontab.BACKUP_SAVE_DAYS')!;
    expect(() => new Settings({ 'crontab.BACKUP_SAVE_DAYS': 'soon' }, 't').value(days)).to.throw(
      /^crontab\.BACKUP_SAVE_DAYS: /,
    );
    const files = preBackup.settings!.find((x) => x.key === 'crontab.BACKUP_FILES')!;
    expect(new Settings({ 'crontab.BACKUP_FILES': 'a.db, b.db' }, 't').value(files)).to.deep.equal([
      'a.db',
      'b.db',
    ]);
  });
});
