/** The typed configuration of one run, read and validated from the settings specs in ./settings.ts. */
import path from 'node:path';
import type { JobPaths } from '../../orchestrator/job.js';
import type { SettingSpec } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';
import { runnerTimezone } from '../lora-cache/settings.js';
import { S, os2syncSettings } from './settings.js';

export interface Os2syncConfig {
  cvr: string;
  apiUrl: string;
  apiKey: string | undefined;
  topUnit: string;
  caVerifyMo: boolean;
  caVerifyOs2sync: boolean;
  hashCachePath: string;
  phoneClasses: string[];
  landlineClasses: string[];
  emailClasses: string[];
  xferCpr: boolean;
  useLcDb: boolean | 'auto';
  ignoredLevels: string[];
  ignoredTypes: string[];
  autowash: boolean;
  syncManagers: boolean;
  templates: Record<string, string>;
  userKeyItSystem: string;
  filterUsersByItSystem: boolean;
  uuidFromItSystems: string[];
  filterHierarchyNames: string[];
  useContactForTasks: boolean;
  employeeEngagementAddress: string[];
  truncateLength: number;
  enableKle: boolean;
  pnumberField: 'PNR' | 'Location';
  timeoutMs: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxTimeMs: number };
  downAfterFailures: number;
  hierarchyPollMs: number;
  hierarchyTimeoutMs: number;
  timezone: string;
}

export function hashCachePath(settings: Settings, paths: Pick<JobPaths, 'cache' | 'root'>): string {
  const configured = settings.value(S.hashCache);
  return configured
    ? path.resolve(paths.root, configured)
    : path.join(paths.cache, 'os2sync_hash_cache.json');
}

/** Reads and validates every setting; throws SettingsError naming the first bad key. */
export function readConfig(settings: Settings, paths: Pick<JobPaths, 'cache' | 'root'>): Os2syncConfig {
  const v = <T>(spec: SettingSpec<T>): T => settings.value(spec);
  for (const spec of os2syncSettings) v(spec);
  return {
    cvr: v(S.cvr),
    apiUrl: v(S.apiUrl),
    apiKey: v(S.apiKey),
    topUnit: v(S.topUnit),
    caVerifyMo: v(S.caVerifyMo),
    caVerifyOs2sync: v(S.caVerifyOs2sync),
    hashCachePath: hashCachePath(settings, paths),
    phoneClasses: v(S.phoneClasses),
    landlineClasses: v(S.landlineClasses),
    emailClasses: v(S.emailClasses),
    xferCpr: v(S.xferCpr),
    useLcDb: v(S.useLcDb),
    ignoredLevels: v(S.ignoredLevels),
    ignoredTypes: v(S.ignoredTypes),
    autowash: v(S.autowash),
    syncManagers: v(S.syncManagers),
    templates: v(S.templates),
    userKeyItSystem: v(S.userKeyItSystem),
    filterUsersByItSystem: v(S.filterUsersByItSystem),
    uuidFromItSystems: v(S.uuidFromItSystems),
    filterHierarchyNames: v(S.filterHierarchyNames),
    useContactForTasks: v(S.useContactForTasks),
    employeeEngagementAddress: v(S.employeeEngagementAddress),
    truncateLength: Math.max(36, v(S.truncateLength)),
    enableKle: v(S.enableKle),
    pnumberField: v(S.pnumberField),
    timeoutMs: v(S.timeout),
    retry: {
      maxAttempts: v(S.retryAttempts),
      baseDelayMs: v(S.retryBaseDelay),
      maxTimeMs: v(S.retryMaxTime),
    },
    downAfterFailures: v(S.downAfterFailures),
    hierarchyPollMs: v(S.hierarchyPoll),
    hierarchyTimeoutMs: v(S.hierarchyTimeout),
    timezone: runnerTimezone(settings),
  };
}
