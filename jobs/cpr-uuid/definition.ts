import type { JobDefinition } from '../../orchestrator/job.js';
import { notBuilt } from '../not-built.js';

export const exportsCprUuid: JobDefinition = {
  name: 'exports_cpr_uuid',
  stage: 'prepare',
  toggle: ['crontab.RUN_CPR_UUID'],
  description: 'CPR → MO UUID map with AD account columns (cpr_mo_ad_map.csv)',
  load: notBuilt('exports_cpr_uuid'),
};
