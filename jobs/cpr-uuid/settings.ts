/** Settings of exports_cpr_uuid. */
import path from 'node:path';
import { z } from 'zod';
import type { JobPaths } from '../../orchestrator/job.js';
import { setting } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';

export const adItSystemSetting = setting<string[]>({
  key: 'cpr.uuid.ad_it_system',
  schema: z.union([
    z
      .string()
      .min(1)
      .transform((s) => [s]),
    z.array(z.string().min(1)).min(1),
  ]),
  type: 'string | string[]',
  default: ['Active Directory'],
  description:
    'IT system(s), by name or user_key, whose IT users fill the `sam_account_name` (user_key) and `ad_guid` (external_id) columns',
});

export const outputFileSetting = setting<string>({
  key: 'cpr.uuid.output_file',
  schema: z.string().min(1),
  type: 'path',
  default: 'cpr_mo_ad_map.csv',
  description:
    "Where the CPR → UUID map is written (relative to the installation root), as DIPEX's `cpr_mo_ad_map.csv`",
});

export function cprMapPath(settings: Settings, paths: JobPaths): string {
  return path.resolve(paths.root, settings.value(outputFileSetting));
}
