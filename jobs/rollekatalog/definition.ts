import type { JobDefinition } from '../../orchestrator/job.js';
import type { SettingSpec } from '../../orchestrator/setting-spec.js';
import { outputFileSetting } from '../cpr-uuid/settings.js';
import { R, rollekatalogSettings } from './settings.js';

export const exportsMoxRollekatalog: JobDefinition = {
  name: 'exports_mox_rollekatalog',
  stage: 'export',
  toggle: ['crontab.RUN_MOX_ROLLE'],
  description: 'Organisation, users and positions → OS2rollekatalog (one full upload; empty uploads refused)',
  needs: (s) => {
    const mode = s.get(R.identityMode.key);
    return mode === undefined || mode === null || mode === '' || mode === 'dipex'
      ? ['exports_cache_loracache', 'exports_cpr_uuid']
      : ['exports_cache_loracache'];
  },
  settings: [...rollekatalogSettings, outputFileSetting] as SettingSpec[],
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
