import type { JobDefinition } from '../../orchestrator/job.js';
import { moClientSettings } from '../clients/mo-settings.js';

export const sanityCheckMoData: JobDefinition = {
  name: 'sanity_check_mo_data',
  stage: 'pre',
  toggle: ['crontab.RUN_MO_DATA_SANITY_CHECK'],
  description: 'Informational: duplicate class user_keys within a facet, duplicate CPR numbers',
  informational: true,
  settings: moClientSettings,
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
