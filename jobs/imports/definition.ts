import type { JobDefinition } from '../../orchestrator/job.js';
import { notBuilt } from '../not-built.js';

export const importsSdtoolPlus: JobDefinition = {
  name: 'imports_sdtool_plus',
  stage: 'import',
  toggle: ['crontab.RUN_SDTOOL_PLUS'],
  description: 'Trigger SDTool+ to fix the org unit tree from SD',
  load: notBuilt('imports_sdtool_plus'),
};

export const importsSdChangedAt: JobDefinition = {
  name: 'imports_sd_changed_at',
  stage: 'import',
  toggle: ['crontab.RUN_SD_CHANGED_AT'],
  description: 'Trigger the SD changed-at import and wait for it to finish',
  load: notBuilt('imports_sd_changed_at'),
};

export const importsManagerSync: JobDefinition = {
  name: 'imports_manager_sync',
  stage: 'import',
  toggle: ['crontab.RUN_MANAGER_SYNC'],
  description: 'Trigger the manager sync service',
  load: notBuilt('imports_manager_sync'),
};
