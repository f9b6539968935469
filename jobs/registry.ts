/**
 * Every built-in job, one entry each, in catalogue order (DESIGN §8). Imports run in this order.
 * Only metadata is imported here; implementations load lazily (JobDefinition.load).
 */
import type { JobDefinition } from '../orchestrator/job.js';
import { preBackup, postBackup } from './backup/definition.js';
import { sanityCheckMoData } from './sanity/definition.js';
import { importsSdtoolPlus, importsSdChangedAt, importsManagerSync } from './imports/definition.js';
import {
  exportsCacheLoracache,
  exportsHistoricCacheLoracache,
  exportsHistoricSkipPastCacheLoracache,
} from './lora-cache/definition.js';
import { exportsCprUuid } from './cpr-uuid/definition.js';
import { exportsActualStateExport, exportsHistoricSqlExport } from './actual-state/definition.js';
import { exportsOs2sync } from './os2sync/definition.js';
import { exportsMoxRollekatalog } from './rollekatalog/definition.js';
import { exportsOs2phonebookExport } from './os2phonebook/definition.js';
import { reportsEngagementsManagers, reportsCsv, reportsInvalidCpr } from './reports/definition.js';

export const builtinJobs: readonly JobDefinition[] = [
  preBackup,
  sanityCheckMoData,
  importsSdtoolPlus,
  importsSdChangedAt,
  importsManagerSync,
  exportsCprUuid,
  exportsCacheLoracache,
  exportsHistoricCacheLoracache,
  exportsHistoricSkipPastCacheLoracache,
  exportsActualStateExport,
  exportsHistoricSqlExport,
  exportsOs2sync,
  exportsMoxRollekatalog,
  exportsOs2phonebookExport,
  reportsEngagementsManagers,
  reportsCsv,
  reportsInvalidCpr,
  postBackup,
];
