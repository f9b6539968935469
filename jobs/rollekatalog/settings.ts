/**
 * Settings of exports_mox_rollekatalog (specs/rollekatalog.md §1.2 and the REC additions of §1.7). DIPEX's key
 * names; the stale underscore spellings of its example settings are read as deprecated aliases.
 */
import { z } from 'zod';
import {
  boolSchema,
  durationSchema,
  setting,
  urlSchema,
  uuidSchema,
  type SettingSpec,
} from '../../orchestrator/setting-spec.js';

const P = 'exporters.os2rollekatalog';

export type IdentityMode = 'dipex' | 'itsystem' | 'fk';
export type KleMapping = 'correct' | 'dipex-swapped';

/** A JSON array, or a comma-separated list (environment overrides). */
const stringList = z.union([z.array(z.string().min(1)), z.string()]).transform((v) =>
  Array.isArray(v)
    ? v
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
);

export const R = {
  url: setting<string>({
    key: `${P}.rollekatalog.url`,
    aliases: [`${P}.rollekatalog_url`],
    schema: urlSchema.refine((u) => /^https?:\/\//i.test(u), { message: 'expected an http(s) URL' }),
    type: 'URL',
    required: true,
    description:
      'The full organisation API URL, e.g. `https://x.rollekatalog.dk/api/organisation/v3`; the title API URL is derived by replacing `organisation/v3` with `title`',
  }),
  apiToken: setting<string>({
    key: `${P}.rollekatalog.api_token`,
    aliases: [`${P}.rollekatalog_api_token`],
    schema: z.string().min(1),
    type: 'string',
    required: true,
    secret: true,
    description: 'The ApiKey (sent in the `ApiKey` header); any non-empty value (DIPEX required a UUID)',
  }),
  root: setting<string>({
    key: `${P}.main_root_org_unit`,
    schema: uuidSchema.transform((u) => u.toLowerCase()),
    type: 'UUID',
    required: true,
    description: 'The MO unit that is the root in Rollekatalog (Rollekatalog allows exactly one root)',
  }),
  ouFilter: setting<boolean>({
    key: `${P}.ou_filter`,
    schema: boolSchema,
    type: 'boolean',
    default: false,
    description:
      "true: only the root's subtree; false: every current unit, other top units hung under the root",
  }),
  rootUuid: setting<string | undefined>({
    key: `${P}.rollekatalog_root_uuid`,
    schema: uuidSchema.transform((u) => u.toLowerCase()),
    type: 'UUID',
    description:
      "The root's uuid in Rollekatalog when it differs from MO's (replaces the root's uuid everywhere)",
  }),
  useNickname: setting<boolean>({
    key: `${P}.use_nickname`,
    schema: boolSchema,
    type: 'boolean',
    default: false,
    description: 'Send the nickname as the user name when the person has one',
  }),
  syncTitles: setting<boolean>({
    key: `${P}.sync_titles`,
    schema: boolSchema,
    type: 'boolean',
    default: false,
    description:
      'Sync the job-function classes to the title API first and put `titleUuid` on positions (a 403 means titles are disabled on the server: warned, uploaded without titles)',
  }),
  titleNameField: setting<'user_key' | 'name'>({
    key: `${P}.title_name_field`,
    schema: z.enum(['user_key', 'name']),
    type: '"user_key" | "name"',
    default: 'user_key',
    description: "Which field of a job-function class is the title's name (DIPEX: user_key)",
  }),
  identityMode: setting<IdentityMode>({
    key: `${P}.identity_mode`,
    schema: z.enum(['dipex', 'itsystem', 'fk']),
    type: '"dipex" | "itsystem" | "fk"',
    default: 'dipex',
    description:
      "dipex: extUuid = MO uuid, userId from the CPR map (exports_cpr_uuid); itsystem: userId = the AD IT user's user_key, extUuid = MO uuid; fk: also extUuid = the FK IT user's external_id (the newer MO integration's identities)",
  }),
  adItSystem: setting<string>({
    key: `${P}.ad_it_system`,
    schema: z.string().min(1),
    type: 'string',
    default: 'Active Directory',
    description: 'The AD IT system (name or user_key) in the itsystem and fk identity modes',
  }),
  fkItSystem: setting<string>({
    key: `${P}.fk_it_system`,
    schema: z.string().min(1),
    type: 'string',
    default: 'FK-ORG-UUID',
    description:
      "The FK Organisation IT system (name or user_key) in the fk identity mode: its IT user whose user_key is the AD account's external_id (ObjectGUID) gives extUuid",
  }),
  kleMapping: setting<KleMapping>({
    key: `${P}.kle_mapping`,
    schema: z.enum(['correct', 'dipex-swapped']),
    type: '"correct" | "dipex-swapped"',
    default: 'correct',
    description:
      "correct: performing = Udførende, interest = Informeret and Indsigt; dipex-swapped: DIPEX's swapped lists, for parity",
  }),
  emailTypes: setting<string[]>({
    key: `${P}.email_address_type_user_keys`,
    schema: stringList,
    type: 'string[]',
    default: [],
    description:
      'Address types (user_key) to take the e-mail from, in priority order; empty: any e-mail address',
  }),
  maxUserDropPct: setting<number | undefined>({
    key: `${P}.max_user_drop_pct`,
    schema: z
      .union([
        z.number(),
        z
          .string()
          .regex(/^\d+(\.\d+)?$/)
          .transform(Number),
      ])
      .pipe(z.number().min(0).max(100)),
    type: 'number (percent)',
    description:
      'Refuse the upload (job fails) when the number of users drops by more than this percentage since the last successful upload; unset: off',
  }),
  verifyTls: setting<boolean>({
    key: `${P}.verify_tls`,
    schema: boolSchema,
    type: 'boolean',
    default: true,
    description: 'Verify the server certificate (DIPEX did not)',
  }),
  timeout: setting<number>({
    key: `${P}.timeout`,
    schema: durationSchema,
    type: 'duration',
    default: 600_000,
    description: 'Per-request timeout (the server imports synchronously and can take minutes)',
  }),
  retryDelay: setting<number>({
    key: `${P}.retry_delay`,
    schema: durationSchema,
    type: 'duration',
    default: 5_000,
    description:
      'First wait before retrying a 5xx or 429 answer or a timeout (doubles; at most 2 retries; other 4xx answers are never retried)',
  }),
  ldapUrl: setting<string | undefined>({
    key: `${P}.ldap_url`,
    schema: z.string(),
    type: 'URL',
    description:
      "Not supported: DIPEX's LDAP-integration lookup. When set, the job warns and uses the CPR map (dipex mode) instead",
  }),
} as const;

export const rollekatalogSettings: SettingSpec[] = Object.values(R) as SettingSpec[];
