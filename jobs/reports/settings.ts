/** Every `reports.*` key the three report jobs read, with the defaults of specs/reports.md. */
import { z } from 'zod';
import {
  boolSchema,
  intSchema,
  setting,
  uuidSchema,
  type SettingSpec,
} from '../../orchestrator/setting-spec.js';

const nonEmpty = z.string().trim().min(1);
const nameList = z.array(nonEmpty);

export const outputDirSetting = setting<string>({
  key: 'reports.output_dir',
  schema: nonEmpty,
  type: 'path',
  description: 'Directory the reports are written to (default `{runner.state_dir}/reports`).',
});

export const uploadToMoSetting = setting<boolean>({
  key: 'reports.upload_to_mo',
  schema: boolSchema,
  type: 'boolean',
  description:
    "Upload every report file to MO's file store (`upload_file(file_store: EXPORTS, force: true)`). Default: on when `mora.base` or a Keycloak client id (`crontab.CLIENT_ID`) is configured.",
});

export const includeCprSetting = setting<boolean>({
  key: 'reports.include_cpr',
  schema: boolSchema,
  type: 'boolean',
  default: false,
  description:
    'Write CPR numbers: the "med cpr-numre" report, the CPR column of "Alle Stillinger OS2mo" and unmasked CPRs in the invalid-CPR report. Such files are mode 0600.',
});

export const formatsSetting = setting<('csv' | 'xlsx')[]>({
  key: 'reports.formats',
  schema: z.array(z.enum(['csv', 'xlsx'])).min(1),
  type: 'string[]',
  default: ['csv', 'xlsx'],
  description: 'Which files each report is written as: `csv`, `xlsx` or both.',
});

export const orgUnitUuidSetting = setting<string>({
  key: 'reports.org_unit_uuid',
  schema: uuidSchema,
  type: 'UUID',
  description: 'Top unit of the engagement/manager reports (Niveau 1). Default: every root unit.',
});

export const inheritManagerSetting = setting<boolean>({
  key: 'reports.inherit_manager',
  schema: boolSchema,
  type: 'boolean',
  default: true,
  description: 'A unit without its own Leder shows the Leder of the nearest ancestor that has one.',
});

export const serviceNumberPrefixSetting = setting<number>({
  key: 'reports.service_number_prefix_length',
  schema: intSchema.pipe(z.number().int().min(0).max(20)),
  type: 'integer',
  default: 0,
  description:
    'Tjenestenummer is the engagement user key without this many leading characters (e.g. 3 for an SD institution prefix).',
});

export const lederTypeSetting = setting<string>({
  key: 'reports.manager_type_leder',
  schema: nonEmpty,
  type: 'string',
  default: 'Leder',
  description: 'Manager type title that fills the `Leder` column.',
});

export const medlederTypeSetting = setting<string>({
  key: 'reports.manager_type_medleder',
  schema: nonEmpty,
  type: 'string',
  default: 'Medleder',
  description: 'Manager type title that fills the `Medleder 1..n` columns.',
});

export const medlederSlotsSetting = setting<number>({
  key: 'reports.medleder_slots',
  schema: intSchema.pipe(z.number().int().min(0).max(10)),
  type: 'integer',
  default: 2,
  description: 'Number of `Medleder` columns.',
});

export const administratorTypeSetting = setting<string>({
  key: 'reports.manager_type_administrator',
  schema: nonEmpty,
  type: 'string',
  default: 'Administrator',
  description: 'Manager type title that fills the `Administrator` column.',
});

export const responsibilityColumnsSetting = setting<string[]>({
  key: 'reports.responsibility_columns',
  schema: nameList,
  type: 'string[]',
  default: ['Administrativ ansvarlig', 'Personaleledelse', 'Uddannelsesansvarlig'],
  description: 'Manager responsibilities that get a column each (the first manager of the unit holding it).',
});

export const preferredResponsibilitySetting = setting<string>({
  key: 'reports.preferred_responsibility',
  schema: nonEmpty,
  type: 'string',
  default: 'Personaleledelse',
  description:
    "`Lederansvar` shows this responsibility when the role has it, else the role's first responsibility.",
});

export const orgNameSetting = setting<string>({
  key: 'reports.org_name',
  schema: nonEmpty,
  type: 'string',
  description:
    'reports_csv: the root unit whose name contains this text is the top of the shared reports (exactly one must match). Default: every root unit.',
});

export const payOrgNameSetting = setting<string>({
  key: 'reports.pay_org_name',
  schema: nonEmpty,
  type: 'string',
  description:
    'reports_csv: the root unit of the pay (SD) organisation for "SDLønorganisation og P-Nummer" (default `reports.org_name`).',
});

const common: SettingSpec[] = [outputDirSetting, uploadToMoSetting, includeCprSetting, formatsSetting];

export const engagementsManagersSettings: SettingSpec[] = [
  ...common,
  orgUnitUuidSetting,
  inheritManagerSetting,
  serviceNumberPrefixSetting,
  lederTypeSetting,
  medlederTypeSetting,
  medlederSlotsSetting,
  administratorTypeSetting,
  responsibilityColumnsSetting,
  preferredResponsibilitySetting,
] as SettingSpec[];

export const csvReportsSettings: SettingSpec[] = [
  ...common,
  orgNameSetting,
  payOrgNameSetting,
] as SettingSpec[];

export const invalidCprSettings: SettingSpec[] = [...common];
