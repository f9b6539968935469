import type { JobDefinition } from '../../orchestrator/job.js';
import { notBuilt } from '../not-built.js';

export const exportsActualStateExport: JobDefinition = {
  name: 'exports_actual_state_export',
  stage: 'export',
  toggle: ['crontab.RUN_ACTUAL_STATE_EXPORT'],
  description: 'Copy the actual-state snapshot into the configured SQL database (work-table swap)',
  needs: () => ['exports_cache_loracache'],
  load: notBuilt('exports_actual_state_export'),
};

export const exportsHistoricSqlExport: JobDefinition = {
  name: 'exports_historic_sql_export',
  stage: 'export',
  toggle: ['crontab.RUN_HISTORIC_SQL_EXPORT'],
  description: 'Copy the historic snapshot into the configured SQL database (work-table swap)',
  needs: () => ['exports_historic_cache_loracache'],
  load: notBuilt('exports_historic_sql_export'),
};
