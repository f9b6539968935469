import type { JobDefinition } from '../../orchestrator/job.js';
import { managerSyncSettings, sdChangedAtSettings, sdtoolPlusSettings } from './settings.js';

export const importsSdtoolPlus: JobDefinition = {
  name: 'imports_sdtool_plus',
  stage: 'import',
  toggle: ['crontab.RUN_SDTOOL_PLUS'],
  description: 'Trigger SDTool+ to fix the org unit tree from SD',
  settings: sdtoolPlusSettings,
  isolated: { module: new URL('./sdtool-plus.js', import.meta.url).href },
  load: () => import('./sdtool-plus.js'),
};

export const importsSdChangedAt: JobDefinition = {
  name: 'imports_sd_changed_at',
  stage: 'import',
  toggle: ['crontab.RUN_SD_CHANGED_AT'],
  description: 'Trigger the SD changed-at import and wait for it to finish',
  settings: sdChangedAtSettings,
  isolated: { module: new URL('./sd-changed-at.js', import.meta.url).href },
  load: () => import('./sd-changed-at.js'),
};

export const importsManagerSync: JobDefinition = {
  name: 'imports_manager_sync',
  stage: 'import',
  toggle: ['crontab.RUN_MANAGER_SYNC'],
  description: 'Trigger the manager sync service',
  settings: managerSyncSettings,
  isolated: { module: new URL('./manager-sync.js', import.meta.url).href },
  load: () => import('./manager-sync.js'),
};
