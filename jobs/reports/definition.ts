import type { JobDefinition } from '../../orchestrator/job.js';
import { moClientSettings } from '../clients/mo-settings.js';
import { csvReportsSettings, engagementsManagersSettings, invalidCprSettings } from './settings.js';

export const reportsEngagementsManagers: JobDefinition = {
  name: 'reports_engagements_managers',
  stage: 'report',
  toggle: ['crontab.RUN_REPORTS_ENGAGEMENTS_MANAGERS'],
  description: '"Engagementer og ledere" (and the CPR variant) as CSV and XLSX',
  needs: () => ['exports_cache_loracache'],
  settings: [...engagementsManagersSettings, ...moClientSettings],
  isolated: { module: new URL('./run-engagements-managers.js', import.meta.url).href },
  load: () => import('./run-engagements-managers.js'),
};

export const reportsCsv: JobDefinition = {
  name: 'reports_csv',
  stage: 'report',
  toggle: ['crontab.RUN_REPORTS_CSV'],
  description: 'The five shared CSV reports',
  needs: () => ['exports_cache_loracache'],
  settings: [...csvReportsSettings, ...moClientSettings],
  isolated: { module: new URL('./run-csv.js', import.meta.url).href },
  load: () => import('./run-csv.js'),
};

export const reportsInvalidCpr: JobDefinition = {
  name: 'reports_invalid_cpr',
  stage: 'report',
  toggle: ['crontab.RUN_REPORTS_INVALID_CPR'],
  description: 'Persons with a missing, malformed or impossible CPR number (fictive ones flagged)',
  needs: () => ['exports_cache_loracache'],
  settings: [...invalidCprSettings, ...moClientSettings],
  isolated: { module: new URL('./run-invalid-cpr.js', import.meta.url).href },
  load: () => import('./run-invalid-cpr.js'),
};
