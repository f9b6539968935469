/** Settings of exports_os2phonebook_export (specs/rollekatalog.md §2.2): DIPEX's key names; no default password. */
import { z } from 'zod';
import { boolSchema, durationSchema, setting, type SettingSpec } from '../../orchestrator/setting-spec.js';

export const PB = {
  baseUrl: setting<string>({
    key: 'exporters.os2phonebook_base_url',
    schema: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), { message: 'expected an http(s) URL' }),
    type: 'URL',
    default: 'http://localhost:8000/api/',
    description: "OS2phonebook's API prefix; the URIs below are joined to it (a missing `/` is tolerated)",
  }),
  employeesUri: setting<string>({
    key: 'exporters.os2phonebook_employees_uri',
    schema: z.string().min(1),
    type: 'string',
    default: 'load-employees',
    description: 'Path of the employees load endpoint',
  }),
  orgUnitsUri: setting<string>({
    key: 'exporters.os2phonebook_org_units_uri',
    schema: z.string().min(1),
    type: 'string',
    default: 'load-org-units',
    description: 'Path of the org-units load endpoint',
  }),
  user: setting<string>({
    key: 'exporters.os2phonebook_basic_auth_user',
    schema: z.string().min(1),
    type: 'string',
    default: 'dataloader',
    description: 'HTTP Basic user',
  }),
  password: setting<string>({
    key: 'exporters.os2phonebook_basic_auth_pass',
    schema: z.string().min(1),
    type: 'string',
    required: true,
    secret: true,
    description: "HTTP Basic password (DIPEX's default `password1` is not assumed)",
  }),
  timeout: setting<number>({
    key: 'exporters.os2phonebook_timeout',
    schema: durationSchema,
    type: 'duration',
    default: 300_000,
    description: 'Per-request timeout (the server re-indexes synchronously)',
  }),
  retryDelay: setting<number>({
    key: 'exporters.os2phonebook_retry_delay',
    schema: durationSchema,
    type: 'duration',
    default: 5_000,
    description:
      'First wait before retrying a 5xx or 429 answer or a network error (doubles, at most 60 s; 5 tries; other 4xx never retried)',
  }),
  verifyTls: setting<boolean>({
    key: 'exporters.os2phonebook_verify_tls',
    schema: boolSchema,
    type: 'boolean',
    default: true,
    description: 'Verify the server certificate',
  }),
  keepJson: setting<boolean>({
    key: 'exporters.os2phonebook_keep_json',
    schema: boolSchema,
    type: 'boolean',
    default: false,
    description: 'Also keep the two JSON bodies in `{runner.state_dir}/os2phonebook/` (debugging)',
  }),
} as const;

export const os2phonebookSettings: SettingSpec[] = Object.values(PB) as SettingSpec[];
