/** Settings the snapshot jobs (and the SQL export) read, besides the MO client's. */
import { boolSchema, setting, uuidSchema } from '../../orchestrator/setting-spec.js';

export const exportCprSetting = setting<boolean>({
  key: 'exporters.actual_state.export_cpr',
  schema: boolSchema,
  type: 'boolean',
  default: true,
  description: 'Fill `brugere.cpr` in the snapshots and SQL exports; false writes empty strings',
});

export const primaryManagerResponsibilitySetting = setting<string>({
  key: 'primary_manager_responsibility',
  schema: uuidSchema,
  type: 'UUID',
  env: ['PRIMARY_MANAGER_RESPONSIBILITY'],
  description:
    'Manager responsibility class: `enheder.leder_uuid`/`fungerende_leder_uuid` is the first manager holding it (unset: the first manager)',
});

/** `runner.timezone` is the runner's key (declared by the runner); the snapshot only reads it for "today". */
export function runnerTimezone(settings: { get(key: string): unknown }): string {
  const tz = settings.get('runner.timezone');
  return typeof tz === 'string' && tz ? tz : 'Europe/Copenhagen';
}

export const resolveDarSetting = setting<boolean>({
  key: 'lora-cache.resolve_dar',
  schema: boolSchema,
  type: 'boolean',
  default: true,
  env: ['RESOLVE_DAR'],
  description:
    "`adresser.værdi` holds MO's human-readable address (`name`, e.g. the DAR address text) instead of the raw value (the DAR UUID)",
});

/** Settings of the three snapshot jobs besides the MO client's. */
export const snapshotSettings = [exportCprSetting, primaryManagerResponsibilitySetting, resolveDarSetting];
