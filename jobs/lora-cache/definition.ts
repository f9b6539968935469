import type { JobDefinition } from '../../orchestrator/job.js';
import { notBuilt } from '../not-built.js';

export const exportsCacheLoracache: JobDefinition = {
  name: 'exports_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_LORACACHE', 'crontab.RUN_LC_FOR_JOBS_DB_EXPORT'],
  description: 'MO actual state → SQLite snapshot (actual_state.db)',
  load: notBuilt('exports_cache_loracache'),
};

export const exportsHistoricCacheLoracache: JobDefinition = {
  name: 'exports_historic_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_HISTORIC_LORACACHE'],
  description: 'MO full history → SQLite snapshot (historic.db)',
  load: notBuilt('exports_historic_cache_loracache'),
};

export const exportsHistoricSkipPastCacheLoracache: JobDefinition = {
  name: 'exports_historic_skip_past_cache_loracache',
  stage: 'prepare',
  toggle: ['crontab.RUN_CACHE_HISTORIC_SKIP_PAST_LORACACHE'],
  description: 'MO present and future → SQLite snapshot (historic_skip_past.db)',
  load: notBuilt('exports_historic_skip_past_cache_loracache'),
};
