/** The job definition: every §0.3 setting declared, env overrides, defaults, state files. */
import path from 'node:path';
import { expect } from 'chai';
import { exportsOs2sync } from '../../jobs/os2sync/definition.js';
import { readConfig } from '../../jobs/os2sync/config.js';
import { applyEnvOverrides } from '../../orchestrator/settings.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { engagementFromTimeline } from '../../jobs/os2sync/engagement-timeline.js';

const paths = { root: '/srv/runner', cache: '/srv/runner/var/cache' };
const TOP = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('exports_os2sync definition and settings', () => {
  const specs = exportsOs2sync.settings!;

  it('declares every setting of spec §0.3 (plus the MO client settings), the api key secret', () => {
    const keys = specs.map((s) => s.key);
    for (const key of [
      'mora.base',
      'municipality.cvr',
      'os2sync.api_url',
      'os2sync.top_unit_uuid',
      'os2sync.ca_verify_os2mo',
      'os2sync.ca_verify_os2sync',
      'os2sync.hash_cache',
      'os2sync.phone_scope_classes',
      'os2sync.landline_scope_classes',
      'os2sync.email_scope_classes',
      'os2sync.xfer_cpr',
      'os2sync.use_lc_db',
      'os2sync.ignored.unit_levels',
      'os2sync.ignored.unit_types',
      'os2sync.autowash',
      'os2sync.sync_managers',
      'os2sync.templates',
      'os2sync.user_key_it_system_name',
      'os2sync.filter_users_by_it_system',
      'os2sync.uuid_from_it_systems',
      'os2sync.filter_hierarchy_names',
      'os2sync.use_contact_for_tasks',
      'os2sync.employee_engagement_address',
      'os2sync.truncate_length',
      'os2sync.enable_kle',
      'os2sync.log_level',
      'os2sync.log_file',
      'os2sync.api_key',
      'os2sync.pnumber_field',
      'crontab.CLIENT_ID',
    ]) {
      expect(keys, key).to.include(key);
    }
    expect(new Set(keys).size).to.equal(keys.length);
    expect(specs.find((s) => s.key === 'os2sync.api_key')!.secret).to.equal(true);
  });

  it('takes environment overrides (OS2SYNC_X_Y, MUNICIPALITY, MORA_BASE) over the file, and rejects wrong types', () => {
    const raw = applyEnvOverrides(
      { 'municipality.cvr': '11111111', 'os2sync.top_unit_uuid': TOP },
      {
        MUNICIPALITY: '29189846',
        MORA_BASE: 'https://mo.example.dk',
        OS2SYNC_XFER_CPR: 'true',
        OS2SYNC_PHONE_SCOPE_CLASSES: '["BBBBBBBB-0000-4000-8000-000000000002"]',
        OS2SYNC_IGNORED_UNIT_LEVELS: '["bbbbbbbb-0000-4000-8000-000000000003"]',
        OS2SYNC_TEMPLATES: '{"person.name": "{{ name }}"}',
      },
      specs,
    );
    const cfg = readConfig(new Settings(raw, 'test'), paths);
    expect(cfg).to.include({
      cvr: '29189846',
      xferCpr: true,
      truncateLength: 200,
      apiUrl: 'http://localhost:8081/api',
    });
    expect(raw['mora.base']).to.equal('https://mo.example.dk');
    expect(cfg.phoneClasses).to.deep.equal(['bbbbbbbb-0000-4000-8000-000000000002']);
    expect(cfg.ignoredLevels).to.deep.equal(['bbbbbbbb-0000-4000-8000-000000000003']);
    expect(cfg.templates).to.deep.equal({ 'person.name': '{{ name }}' });
    expect(cfg.hashCachePath).to.equal(path.join(paths.cache, 'os2sync_hash_cache.json'));
    const bad = applyEnvOverrides(
      { 'municipality.cvr': '11111111', 'os2sync.top_unit_uuid': TOP },
      { OS2SYNC_AUTOWASH: 'No' },
      specs,
    );
    expect(() => readConfig(new Settings(bad, 'test'), paths)).to.throw(/^os2sync\.autowash: /);
    const base = { 'municipality.cvr': '11111111', 'os2sync.top_unit_uuid': TOP };
    expect(readConfig(new Settings(base, 'test'), paths).downAfterFailures).to.equal(5);
    for (const value of [0, -1, 'many', 2.5])
      expect(() =>
        readConfig(new Settings({ ...base, 'os2sync.down_after_failures': value }, 'test'), paths),
      ).to.throw(/^os2sync\.down_after_failures: /);
    expect(() => readConfig(new Settings({ 'os2sync.top_unit_uuid': TOP }, 'test'), paths)).to.throw(
      /^municipality\.cvr: is required/,
    );
  });

  it('needs the snapshot only with use_lc_db, and backs up the hash cache', () => {
    const s = new Settings({ 'os2sync.use_lc_db': 'True', 'os2sync.hash_cache': 'state/os2sync.json' }, 't');
    expect(exportsOs2sync.needs!(s)).to.deep.equal(['exports_cache_loracache']);
    expect(exportsOs2sync.needs!(new Settings({}, 't'))).to.deep.equal([]);
    expect(exportsOs2sync.stateFiles!(s, { ...paths, state: '/srv/runner/var', runLogs: '' })).to.deep.equal([
      '/srv/runner/state/os2sync.json',
    ]);
  });
});

describe('os2sync engagement timelines (decision 7)', () => {
  const v = (from: string | null, to: string | null, jobFunction = 'A') => ({
    personUuid: 'p',
    unitUuid: 'u',
    jobFunction,
    isPrimary: false,
    from,
    to,
  });

  it('StartDate is the earliest start, StopDate the last end (null when open), fields from the validity in effect today', () => {
    expect(
      engagementFromTimeline(
        'e',
        [v('2024-01-01', '2025-12-31', 'Old'), v('2026-01-01', null, 'New')],
        '2026-06-01',
      ),
    ).to.deep.include({
      jobFunction: 'New',
      startDate: '2024-01-01',
      stopDate: null,
    });
    expect(engagementFromTimeline('e', [v('2020-01-01', '2027-01-31')], '2026-06-01')).to.deep.include({
      stopDate: '2027-01-31',
    });
  });

  it('includes engagements starting in the future ("future users"); drops ended ones', () => {
    expect(engagementFromTimeline('e', [v('2026-07-01', null, 'Future')], '2026-06-01')).to.deep.include({
      jobFunction: 'Future',
      startDate: '2026-07-01',
    });
    expect(engagementFromTimeline('e', [v('2020-01-01', '2026-05-31')], '2026-06-01')).to.equal(null);
  });
});
