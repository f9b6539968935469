/** In a night, the upload exports are skipped (naming the prerequisite) when the snapshot or the CPR map failed. */
import { expect } from 'chai';
import type { JobDefinition } from '../../orchestrator/job.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { exportsMoxRollekatalog } from '../../jobs/rollekatalog/definition.js';
import { exportsOs2phonebookExport } from '../../jobs/os2phonebook/definition.js';
import { makeTempDir } from '../helpers/job-context.js';
import { quietNight } from '../helpers/quiet-night.js';

/** A stand-in for a prepare job that succeeds or fails at once. */
function prepare(name: string, toggle: string, ok: boolean): JobDefinition {
  return {
    name,
    stage: 'prepare',
    toggle: [toggle],
    description: 'stand-in',
    load: async () => ({
      run: async () => {
        if (!ok) throw new Error(`${name} broke`);
        return {};
      },
    }),
  };
}

describe('upload exports in a night', () => {
  const settings = (dir: string) =>
    new Settings(
      {
        'runner.state_dir': dir,
        'crontab.RUN_CACHE_LORACACHE': true,
        'crontab.RUN_CPR_UUID': true,
        'crontab.RUN_MOX_ROLLE': true,
        'crontab.RUN_EXPORTS_OS2MO_PHONEBOOK': true,
        'exporters.os2rollekatalog.rollekatalog.url': 'http://127.0.0.1:9/api/organisation/v3',
        'exporters.os2rollekatalog.rollekatalog.api_token': 'k',
        'exporters.os2rollekatalog.main_root_org_unit': '00000000-0000-4000-8000-000000000001',
        'exporters.os2phonebook_basic_auth_pass': 'p',
      },
      'test',
    );

  it('a failed snapshot skips both, naming it', async () => {
    const dir = makeTempDir();
    const summary = await quietNight(settings(dir), {
      root: dir,
      jobs: [
        prepare('exports_cache_loracache', 'crontab.RUN_CACHE_LORACACHE', false),
        prepare('exports_cpr_uuid', 'crontab.RUN_CPR_UUID', true),
        exportsMoxRollekatalog,
        exportsOs2phonebookExport,
      ],
    });
    const byName = Object.fromEntries(summary.jobs.map((j) => [j.name, j]));
    for (const job of ['exports_mox_rollekatalog', 'exports_os2phonebook_export']) {
      expect(byName[job]!.status).to.equal('skipped');
      expect(byName[job]!.message).to.include('exports_cache_loracache');
    }
  });

  it('a failed CPR map skips Rollekatalog (identity mode dipex) but not the phonebook', async () => {
    const dir = makeTempDir();
    const summary = await quietNight(settings(dir), {
      root: dir,
      jobs: [
        prepare('exports_cache_loracache', 'crontab.RUN_CACHE_LORACACHE', true),
        prepare('exports_cpr_uuid', 'crontab.RUN_CPR_UUID', false),
        exportsMoxRollekatalog,
        exportsOs2phonebookExport,
      ],
    });
    const byName = Object.fromEntries(summary.jobs.map((j) => [j.name, j]));
    expect(byName.exports_mox_rollekatalog!.status).to.equal('skipped');
    expect(byName.exports_mox_rollekatalog!.message).to.include('exports_cpr_uuid');
    // The phonebook ran (and failed: the stand-in built no snapshot file), naming the snapshot job to run.
    expect(byName.exports_os2phonebook_export!.status).to.equal('failed');
    expect(byName.exports_os2phonebook_export!.message).to.include('run exports_cache_loracache first');
  });
});
