/**
 * Every setting the OS2sync export reads (spec §0.3 plus REC additions), as SettingSpecs, and the typed
 * configuration built from them. Kept free of heavy imports: definition.ts lists these specs.
 * Environment overrides need no aliases: `os2sync.x.y` is matched by `OS2SYNC_X_Y` case-insensitively (the
 * runner's rule); `MUNICIPALITY` is the one extra name (and `MORA_BASE` already matches `mora.base`).
 */
import { z } from 'zod';
import {
  boolSchema,
  durationSchema,
  positiveIntSchema,
  setting,
  urlSchema,
  uuidSchema,
  type SettingSpec,
} from '../../orchestrator/setting-spec.js';

/** A JSON array, or (from an environment variable) a JSON array text or a comma-separated list. */
function listSchema<T extends z.ZodTypeAny>(item: T) {
  return z
    .union([z.array(z.unknown()), z.string()])
    .transform((v, ctx) => {
      if (Array.isArray(v)) return v;
      const text = v.trim();
      if (text.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (Array.isArray(parsed)) return parsed;
        } catch {
          /* reported below */
        }
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a JSON array' });
        return z.NEVER;
      }
      return text === '' ? [] : text.split(',').map((s) => s.trim());
    })
    .pipe(z.array(item));
}

const uuidList = listSchema(uuidSchema.transform((u) => u.toLowerCase()));
const stringList = listSchema(z.string().min(1));

const os2syncBool = (key: string, def: boolean, description: string): SettingSpec<boolean> =>
  setting({ key, schema: boolSchema, type: 'boolean', default: def, description });

const os2syncUuids = (key: string, description: string): SettingSpec<string[]> =>
  setting({ key, schema: uuidList, type: 'UUID[]', default: [], description });

export const S = {
  cvr: setting({
    key: 'municipality.cvr',
    schema: z.union([z.string().regex(/^\d{8}$/), z.number().int()]).transform(String),
    type: 'string',
    required: true,
    env: ['MUNICIPALITY'],
    description: "The municipality's CVR number, sent as header `CVR` to OS2sync",
  }),
  apiUrl: setting({
    key: 'os2sync.api_url',
    schema: z
      .string()
      .refine((u) => u === 'stub' || urlSchema.safeParse(u).success, {
        message: 'expected an http:// or https:// URL, or "stub"',
      })
      .transform((u) => u.replace(/\/+$/, '')),
    type: 'URL or "stub"',
    default: 'http://localhost:8081/api',
    description: 'OS2sync REST base (…/api). `stub` = send nothing, log the requests (hash cache untouched)',
  }),
  apiKey: setting({
    key: 'os2sync.api_key',
    schema: z.string().min(1),
    type: 'string',
    secret: true,
    description: 'Sent as header `ApiKey` when OS2sync is configured with one',
  }),
  topUnit: setting({
    key: 'os2sync.top_unit_uuid',
    schema: uuidSchema.transform((u) => u.toLowerCase()),
    type: 'UUID',
    required: true,
    description: 'Root of the exported subtree (exported with ParentOrgUnitUuid null, never deleted)',
  }),
  caVerifyMo: os2syncBool('os2sync.ca_verify_os2mo', true, 'Verify the TLS certificate of OS2mo'),
  caVerifyOs2sync: os2syncBool('os2sync.ca_verify_os2sync', true, 'Verify the TLS certificate of OS2sync'),
  hashCache: setting({
    key: 'os2sync.hash_cache',
    schema: z.string().min(1),
    type: 'path',
    description:
      'Hash cache file (default `{runner.state_dir}/cache/os2sync_hash_cache.json`); delete it to force a full resend',
  }),
  phoneClasses: os2syncUuids(
    'os2sync.phone_scope_classes',
    "Priority list of address types for a user's PhoneNumber",
  ),
  landlineClasses: os2syncUuids(
    'os2sync.landline_scope_classes',
    "Priority list of address types for a user's Landline; empty = never send Landline",
  ),
  emailClasses: os2syncUuids(
    'os2sync.email_scope_classes',
    "Priority list of address types for a user's Email",
  ),
  xferCpr: os2syncBool('os2sync.xfer_cpr', false, 'Send the CPR number as Person.Cpr'),
  useLcDb: setting<boolean | 'auto'>({
    key: 'os2sync.use_lc_db',
    schema: z.union([z.enum(['auto', 'Auto', 'AUTO']).transform((): 'auto' => 'auto'), boolSchema]),
    type: 'boolean | "auto"',
    default: 'auto',
    description:
      'Read MO data from the actual-state snapshot instead of MO. `auto`: the snapshot when `exports_cache_loracache` succeeded earlier in this run, MO otherwise; `true`: always the snapshot (and needs that job); `false`: always MO',
  }),
  ignoredLevels: os2syncUuids(
    'os2sync.ignored.unit_levels',
    'Units with these org_unit_level classes are not exported',
  ),
  ignoredTypes: os2syncUuids(
    'os2sync.ignored.unit_types',
    'Units with these unit_type classes are not exported',
  ),
  autowash: os2syncBool(
    'os2sync.autowash',
    false,
    "Delete every FK unit and user that this run does not produce (read from OS2sync's hierarchy)",
  ),
  syncManagers: os2syncBool('os2sync.sync_managers', false, "Set a unit's ManagerUuid"),
  templates: setting({
    key: 'os2sync.templates',
    schema: z.union([z.record(z.string()), z.string()]).transform((v, ctx) => {
      if (typeof v !== 'string') return v;
      try {
        return z.record(z.string()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a JSON object of template sources' });
        return z.NEVER;
      }
    }),
    type: 'object',
    default: {},
    description: 'Jinja templates by field: `person.name`, `person.user_id`',
  }),
  userKeyItSystem: setting({
    key: 'os2sync.user_key_it_system_name',
    schema: z.string().min(1),
    type: 'string',
    default: 'Active Directory',
    description: 'IT system (by name) whose account name becomes UserId',
  }),
  filterUsersByItSystem: os2syncBool(
    'os2sync.filter_users_by_it_system',
    false,
    'Only sync users with an account in os2sync.user_key_it_system_name (others are deleted)',
  ),
  uuidFromItSystems: setting({
    key: 'os2sync.uuid_from_it_systems',
    schema: stringList,
    type: 'string[]',
    default: [],
    description: 'Priority list of IT system names whose account name holds the FK uuid of a unit or user',
  }),
  filterHierarchyNames: setting({
    key: 'os2sync.filter_hierarchy_names',
    schema: stringList,
    type: 'string[]',
    default: [],
    description: 'Only units whose own org_unit_hierarchy class has one of these names are exported',
  }),
  useContactForTasks: os2syncBool(
    'os2sync.use_contact_for_tasks',
    false,
    'KLE: "Udførende" → Tasks, "Ansvarlig" → ContactForTasks (default: every KLE → Tasks)',
  ),
  employeeEngagementAddress: setting({
    key: 'os2sync.employee_engagement_address',
    schema: stringList,
    type: 'string[]',
    default: [],
    description:
      "Priority list of unit address-type names; the primary position's unit address becomes Location",
  }),
  truncateLength: setting({
    key: 'os2sync.truncate_length',
    schema: positiveIntSchema,
    type: 'integer',
    default: 200,
    description: 'Longest string sent (at least 36, so UUIDs survive)',
  }),
  enableKle: os2syncBool('os2sync.enable_kle', true, 'Send KLE as Tasks/ContactForTasks'),
  pnumberField: setting({
    key: 'os2sync.pnumber_field',
    schema: z.enum(['PNR', 'Location']),
    type: '"PNR" | "Location"',
    default: 'PNR' as 'PNR' | 'Location',
    description: 'Unit field that receives the P-number (old documented mapping: Location)',
  }),
  logLevel: setting({
    key: 'os2sync.log_level',
    schema: z.union([z.string(), z.number()]),
    type: 'string',
    description: "Accepted for DIPEX compatibility and ignored (the runner's log settings apply)",
  }),
  logFile: setting({
    key: 'os2sync.log_file',
    schema: z.string(),
    type: 'path',
    description: 'Accepted for DIPEX compatibility and ignored (the job logs to its own runner log file)',
  }),
  timeout: setting({
    key: 'os2sync.timeout',
    schema: durationSchema,
    type: 'duration',
    default: 60_000,
    description: 'Per-request timeout for OS2sync',
  }),
  retryAttempts: setting({
    key: 'os2sync.retry.max_attempts',
    schema: positiveIntSchema,
    type: 'integer',
    default: 5,
    description:
      'Attempts per OS2sync request on 5xx, 429, timeouts and connection errors before that object (or, when refused, OS2sync) counts as failed',
  }),
  downAfterFailures: setting({
    key: 'os2sync.down_after_failures',
    schema: positiveIntSchema,
    type: 'integer',
    default: 5,
    description:
      'OS2sync counts as down, and sending stops, when this many different objects in a row fail with 5xx or a timeout after their retries (one such object is a failure of that object only)',
  }),
  retryBaseDelay: setting({
    key: 'os2sync.retry.base_delay',
    schema: durationSchema,
    type: 'duration',
    default: 2_000,
    description: 'First retry delay for OS2sync requests (doubles each retry, at most 60s)',
  }),
  retryMaxTime: setting({
    key: 'os2sync.retry.max_time',
    schema: durationSchema,
    type: 'duration',
    default: 600_000,
    description: 'Give up retrying one OS2sync request after this long',
  }),
  hierarchyPoll: setting({
    key: 'os2sync.hierarchy_poll_interval',
    schema: durationSchema,
    type: 'duration',
    default: 5_000,
    description: 'Autowash: how often to ask whether the FK hierarchy read is ready',
  }),
  hierarchyTimeout: setting({
    key: 'os2sync.hierarchy_timeout',
    schema: durationSchema,
    type: 'duration',
    default: 600_000,
    description:
      'Autowash: give up waiting for the FK hierarchy after this long (no autowash deletes, job fails)',
  }),
} as const;

export const os2syncSettings: SettingSpec[] = Object.values(S) as SettingSpec[];
