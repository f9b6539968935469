/**
 * Settings read by the MO GraphQL client. Kept apart from mo.ts so job definitions can list them without
 * loading axios. Every job that talks to MO adds `...moClientSettings` to its definition's `settings`.
 */
import { z } from 'zod';
import {
  boolSchema,
  durationSchema,
  positiveIntSchema,
  setting,
  urlSchema,
  type SettingSpec,
} from '../../orchestrator/setting-spec.js';

export const moBase = setting<string>({
  key: 'mora.base',
  schema: urlSchema,
  type: 'URL',
  default: 'http://localhost:5000',
  description: 'OS2mo base URL; GraphQL is POSTed to {mora.base}/graphql/v{mora.graphql_version}',
});
export const moGraphqlVersion = setting<number>({
  key: 'mora.graphql_version',
  schema: positiveIntSchema,
  type: 'integer',
  default: 29,
  description: 'GraphQL API version of OS2mo',
});
export const moPageSize = setting<number>({
  key: 'mora.page_size',
  schema: positiveIntSchema,
  type: 'integer',
  default: 500,
  description: 'Objects per page when paging through MO lists (limit/cursor)',
});
export const moTimeout = setting<number>({
  key: 'mora.timeout',
  schema: durationSchema,
  type: 'duration',
  default: 300_000,
  description: 'Per-request timeout for MO and Keycloak requests (a stalled request is retried)',
});
export const moCaVerify = setting<boolean>({
  key: 'mora.ca_verify',
  schema: boolSchema,
  type: 'boolean',
  default: true,
  description: 'Verify MO and Keycloak TLS certificates; false only for test installations',
});
export const moMaxInFlight = setting<number>({
  key: 'mora.max_in_flight',
  schema: positiveIntSchema,
  type: 'integer',
  default: 4,
  description: 'Most MO requests in flight at once per job',
});
export const moRetryMaxAttempts = setting<number>({
  key: 'mora.retry.max_attempts',
  schema: positiveIntSchema,
  type: 'integer',
  default: 6,
  description:
    'Most attempts per MO request on connection errors, timeouts, HTTP 429/502/503/504 (1 = no retry)',
});
export const moRetryMaxTime = setting<number>({
  key: 'mora.retry.max_time',
  schema: durationSchema,
  type: 'duration',
  default: 600_000,
  description: 'Give up retrying a MO request once this much time has passed since its first attempt',
});
export const moRetryBaseDelay = setting<number>({
  key: 'mora.retry.base_delay',
  schema: durationSchema,
  type: 'duration',
  default: 1_000,
  description: 'First retry delay; doubles on each retry (with jitter) up to mora.retry.max_delay',
});
export const moRetryMaxDelay = setting<number>({
  key: 'mora.retry.max_delay',
  schema: durationSchema,
  type: 'duration',
  default: 30_000,
  description: 'Longest delay between two attempts of a MO request',
});
export const clientId = setting<string>({
  key: 'crontab.CLIENT_ID',
  schema: z.string().min(1),
  type: 'string',
  env: ['CLIENT_ID'],
  description: 'Keycloak client id for MO; unset = no Authorization header (env CLIENT_ID wins)',
});
export const clientSecret = setting<string>({
  key: 'crontab.CLIENT_SECRET',
  schema: z.string().min(1),
  type: 'string',
  secret: true,
  env: ['CLIENT_SECRET'],
  description: 'Keycloak client secret for MO (env CLIENT_SECRET wins)',
  check: (value, s) =>
    !value && s.get('crontab.CLIENT_ID') ? 'is required when CLIENT_ID is set' : undefined,
});
export const authServer = setting<string>({
  key: 'crontab.AUTH_SERVER',
  schema: urlSchema,
  type: 'URL',
  env: ['AUTH_SERVER'],
  description: 'Keycloak base URL, e.g. https://keycloak.example.dk/auth (required when CLIENT_ID is set)',
  check: (value, s) =>
    !value && s.get('crontab.CLIENT_ID') ? 'is required when CLIENT_ID is set' : undefined,
});
export const authRealm = setting<string>({
  key: 'crontab.AUTH_REALM',
  schema: z.string().min(1),
  type: 'string',
  default: 'mo',
  env: ['AUTH_REALM'],
  description: 'Keycloak realm of the MO client',
});

export const moClientSettings: SettingSpec[] = [
  moBase,
  moGraphqlVersion,
  moPageSize,
  moTimeout,
  moCaVerify,
  moMaxInFlight,
  moRetryMaxAttempts,
  moRetryMaxTime,
  moRetryBaseDelay,
  moRetryMaxDelay,
  clientId,
  clientSecret,
  authServer,
  authRealm,
] as SettingSpec[];
