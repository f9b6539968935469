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
});
