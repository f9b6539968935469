import type { JobDefinition } from '../../orchestrator/job.js';
import type { SettingSpec } from '../../orchestrator/setting-spec.js';
import { actualDbNameSetting } from '../lora-cache/paths.js';
import { resolveTarget, targetSettings } from './settings.js';

export const exportsActualStateExport: JobDefinition = {
  name: 'exports_actual_state_export',
  stage: 'export',
  toggle: ['crontab.RUN_ACTUAL_STATE_EXPORT'],
  description: 'Copy the actual-state snapshot into the configured SQL database (work-table swap)',
  needs: () => ['exports_cache_loracache'],
  settings: [...targetSettings('actual'), actualDbNameSetting as SettingSpec],
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runActualStateExport' },
  validate: async (s, paths) => void resolveTarget(s, paths, 'actual'),
  load: async () => ({ run: (await import('./run.js')).runActualStateExport }),
};

export const exportsHistoricSqlExport: JobDefinition = {
  name: 'exports_historic_sql_export',
  stage: 'export',
  toggle: ['crontab.RUN_HISTORIC_SQL_EXPORT'],
  description: 'Copy the historic snapshot into the configured SQL database (work-table swap)',
  needs: () => ['exports_historic_cache_loracache'],
  settings: [
    ...targetSettings('historic'),
    ...targetSettings('actual').filter((s) => /\.(host|port|user|password)$/.test(s.key)),
  ],
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runHistoricSqlExport' },
  validate: async (s, paths) => void resolveTarget(s, paths, 'historic'),
  load: async () => ({ run: (await import('./run.js')).runHistoricSqlExport }),
};
