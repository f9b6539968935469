import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  applyEnvOverrides,
  checkTrust,
  loadSettings,
  settingsPath,
  validateSettings,
} from '../../orchestrator/settings.js';
import { SettingsProblemsError, TrustError } from '../../orchestrator/errors.js';
import { allJobs, allSpecs } from '../../orchestrator/all-jobs.js';
import { setting, intSchema } from '../../orchestrator/setting-spec.js';
import { makeTempDir } from '../helpers/job-context.js';
import { fakeJob, settingsOf } from './fake-jobs.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures-settings');

describe('settings', () => {
  it('chooses --settings, else $CUSTOMER_SETTINGS, else ./settings.json', () => {
    expect(settingsPath({ file: 'a.json', env: { CUSTOMER_SETTINGS: '/x/b.json' }, cwd: '/w' })).to.equal(
      '/w/a.json',
    );
    expect(settingsPath({ env: { CUSTOMER_SETTINGS: '/x/b.json' }, cwd: '/w' })).to.equal('/x/b.json');
    expect(settingsPath({ env: {}, cwd: '/w' })).to.equal('/w/settings.json');
  });

  it('loads a DIPEX kommune-andeby settings.json unchanged, keeping unknown keys, with no problems', () => {
    const s = loadSettings({
      file: path.join(fixtures, 'kommune-andeby.json'),
      env: {},
      cwd: '/',
      specs: allSpecs(),
    });
    expect(s.get('integrations.ad')).to.be.an('array').with.length(1);
    expect(s.get('float.example')).to.equal(1234567.0);
    expect(validateSettings(s, allJobs(s))).to.deep.equal([]);
  });

  it('overrides keys from the environment: dots and dashes to underscores, any case, JSON for non-strings', () => {
    const specs = [
      setting({ key: 'a.count', schema: intSchema, type: 'integer', description: '' }),
      setting({
        key: 'crontab.CLIENT_ID',
        schema: z.string(),
        type: 'string',
        env: ['CLIENT_ID'],
        description: '',
      }),
      setting({ key: 'x.name', schema: z.string(), type: 'string', description: '' }),
    ];
    const out = applyEnvOverrides(
      {
        'lc-for-jobs.actual_db_name': 'Old',
        'a.count': 1,
        'mora.base': 'http://old',
        'runner.jobs': {},
        'flag.on': false,
      },
      {
        LC_FOR_JOBS_ACTUAL_DB_NAME: 'New',
        A_COUNT: '42',
        mora_base: 'http://new',
        CLIENT_ID: 'dipex2',
        X_NAME: '123',
        RUNNER_JOBS: '{"j": {"stage": "export", "command": "true"}}',
        FLAG_ON: 'true',
      },
      specs,
    );
    expect(out['lc-for-jobs.actual_db_name']).to.equal('New');
    expect(out['a.count']).to.equal(42);
    expect(out['mora.base']).to.equal('http://new');
    expect(out['crontab.CLIENT_ID']).to.equal('dipex2');
    expect(out['x.name']).to.equal('123');
    expect(out['runner.jobs']).to.deep.equal({ j: { stage: 'export', command: 'true' } });
    expect(out['flag.on']).to.equal(true);
    const toggled = applyEnvOverrides({}, { crontab_run_os2sync: 'true' }, [], ['crontab.RUN_OS2SYNC']);
    expect(toggled['crontab.RUN_OS2SYNC']).to.equal('true');
  });

  it("reports runner keys, toggles, command jobs and each enabled job's settings", () => {
    const job = fakeJob('needs_url', 'export', {
      settings: [
        setting({ key: 'x.url', schema: z.string().url(), type: 'URL', required: true, description: '' }),
      ],
    });
    const s = settingsOf({
      'runner.concurrency': 0,
      'crontab.RUN_NEEDS_URL': true,
      'crontab.RUN_OTHER': 'yes',
      'runner.jobs': { ok: { stage: 'export', command: 'true' }, bad: { stage: 'nightly', command: 'x' } },
    });
    const problems = validateSettings(s, [job, fakeJob('other', 'export')]);
    expect(problems.map((p) => p.key)).to.deep.equal([
      'runner.concurrency',
      'runner.jobs.bad.stage',
      'crontab.RUN_OTHER',
      'x.url',
    ]);
    expect(problems[3]).to.include({ job: 'needs_url' });
  });

  it('refuses unreadable or malformed files with one line', () => {
    const dir = makeTempDir();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"a": ');
    expect(() => loadSettings({ file: bad, env: {}, cwd: dir })).to.throw(
      SettingsProblemsError,
      /not valid JSON/,
    );
    expect(() => loadSettings({ file: path.join(dir, 'missing.json'), env: {}, cwd: dir })).to.throw(
      /not found/,
    );
    fs.writeFileSync(bad, '[1]');
    expect(() => loadSettings({ file: bad, env: {}, cwd: dir })).to.throw(/expected a JSON object/);
  });

  it('refuses a group- or other-writable settings file or state dir, naming the chmod', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{}', { mode: 0o600 });
    fs.chmodSync(dir, 0o700);
    expect(() => checkTrust([file, dir, path.join(dir, 'absent')])).not.to.throw();
    fs.chmodSync(file, 0o664);
    expect(() => checkTrust([file])).to.throw(TrustError, `chmod go-w ${file}`);
    fs.chmodSync(file, 0o600);
    fs.chmodSync(dir, 0o707);
    expect(() => checkTrust([file, dir])).to.throw(TrustError, dir);
  });

  it('reports a JSON syntax error by line and column, never echoing the text', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{\n  "crontab.CLIENT_SECRET": "abc123secret"\n  "next": 1\n}');
    try {
      loadSettings({ file, env: {}, cwd: dir });
      expect.fail('loaded');
    } catch (err) {
      expect(err).to.be.instanceOf(SettingsProblemsError);
      expect((err as Error).message).to.equal(
        `settings: ${file}: not valid JSON (CommaExpected at line 3, column 3)`,
      );
    }
  });

  it('refuses a file that is not UTF-8 naming the byte offset (a real U+FFFD before it is fine)', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'settings.json');
    const head = Buffer.from('{"a": "\uFFFDæ');
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    expect(() => loadSettings({ file, env: {}, cwd: dir })).to.throw(
      SettingsProblemsError,
      `not valid UTF-8 (byte offset ${head.length})`,
    );
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": "ø\uFFFD"}')]));
    expect(loadSettings({ file, env: {}, cwd: dir }).get('a')).to.equal('ø\uFFFD');
  });

  it('names the environment variable of an override that fails validation', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{"runner.keep_days": 5}');
    const s = loadSettings({ file, env: { Runner_Keep_Days: 'many' }, cwd: dir });
    expect(validateSettings(s, [])).to.deep.equal([
      {
        key: 'runner.keep_days',
        message: 'Invalid input (expected integer) (set by environment variable Runner_Keep_Days)',
      },
    ]);
    const fromFile = loadSettings({ file, env: {}, cwd: dir }).with({ 'runner.keep_days': 'many' });
    expect(validateSettings(fromFile, [])[0]!.message).not.to.include('environment');
  });

  describe('trust', () => {
    it('refuses a file owned by another user, accepts one owned by root or the runner', () => {
      const dir = makeTempDir();
      const file = path.join(dir, 'settings.json');
      fs.writeFileSync(file, '{}', { mode: 0o600 });
      fs.chownSync(file, 4242, 4242);
      expect(() => checkTrust([file])).to.throw(TrustError, `is owned by uid 4242`);
      expect(() => checkTrust([file], { uid: 4242 })).not.to.throw();
      fs.chownSync(file, 0, 0);
      expect(() => checkTrust([file], { uid: 4242 })).not.to.throw();
    });

    it('refuses a path below a group/other-writable directory unless it is sticky, following symlinks', () => {
      const outer = makeTempDir();
      const open = path.join(outer, 'open');
      fs.mkdirSync(path.join(open, 'etc'), { recursive: true });
      fs.chmodSync(open, 0o777);
      const file = path.join(open, 'etc', 'settings.json');
      fs.writeFileSync(file, '{}', { mode: 0o600 });
      expect(() => checkTrust([file])).to.throw(TrustError, `is inside ${open}, which is writable`);
      const notYet = path.join(open, 'etc', 'var', 'deeper');
      expect(() => checkTrust([notYet])).to.throw(TrustError, `chmod go-w ${open}`);
      fs.chmodSync(open, 0o1777);
      expect(() => checkTrust([file, notYet])).not.to.throw();
      fs.chmodSync(open, 0o775);
      const link = path.join(makeTempDir(), 'settings.json');
      fs.symlinkSync(file, link);
      expect(() => checkTrust([link])).to.throw(TrustError, `${link} (${file}) is inside ${open}`);
    });
  });
});
