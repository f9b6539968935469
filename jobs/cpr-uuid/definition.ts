import type { JobDefinition } from '../../orchestrator/job.js';
import type { SettingSpec } from '../../orchestrator/setting-spec.js';
import { moClientSettings } from '../clients/mo-settings.js';
import { adItSystemSetting, cprMapPath, outputFileSetting } from './settings.js';

export const exportsCprUuid: JobDefinition = {
  name: 'exports_cpr_uuid',
  stage: 'prepare',
  toggle: ['crontab.RUN_CPR_UUID'],
  description: 'CPR → MO UUID map with AD account columns (cpr_mo_ad_map.csv)',
  settings: [...moClientSettings, adItSystemSetting, outputFileSetting] as SettingSpec[],
  // read this night's actual-state snapshot when it was built before (MO is then read once a night)
  uses: () => ['exports_cache_loracache'],
  stateFiles: (s, paths) => [cprMapPath(s, paths)],
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
