import type { JobDefinition } from '../../orchestrator/job.js';
import type { SettingSpec } from '../../orchestrator/setting-spec.js';
import { moClientSettings } from '../clients/mo-settings.js';
import { actualDbNameSetting } from './paths.js';
import { snapshotSettings } from './settings.js';

const common = [...moClientSettings, ...snapshotSettings] as SettingSpec[];

export const exportsCacheLoracache: JobDefinition = {
  name: 'exports_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_LORACACHE', 'crontab.RUN_LC_FOR_JOBS_DB_EXPORT'],
  description: 'MO actual state → SQLite snapshot (actual_state.db)',
  settings: [...common, actualDbNameSetting as SettingSpec],
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runActual' },
  load: async () => ({ run: (await import('./run.js')).runActual }),
};

export const exportsHistoricCacheLoracache: JobDefinition = {
  name: 'exports_historic_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_HISTORIC_LORACACHE'],
  description: 'MO full history → SQLite snapshot (historic.db)',
  settings: common,
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runHistoric' },
  load: async () => ({ run: (await import('./run.js')).runHistoric }),
};

export const exportsHistoricSkipPastCacheLoracache: JobDefinition = {
  name: 'exports_historic_skip_past_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_HISTORIC_SKIP_PAST_LORACACHE'],
  description: 'MO present and future → SQLite snapshot (historic_skip_past.db)',
  settings: common,
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runHistoricSkipPast' },
  load: async () => ({ run: (await import('./run.js')).runHistoricSkipPast }),
};
