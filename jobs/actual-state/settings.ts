/**
 * Target database of the SQL exports: `exporters.actual_state.*` and `exporters.actual_state_historic.*`
 * (specs/lora-cache.md §3.6). The historic target falls back to the actual one's host, port, user and password.
 */
import path from 'node:path';
import { z } from 'zod';
import type { JobPaths } from '../../orchestrator/job.js';
import { intSchema, setting, type SettingSpec } from '../../orchestrator/setting-spec.js';
import { SettingsError, type Settings } from '../../orchestrator/settings-store.js';

export type TargetKind = 'actual' | 'historic';

const PREFIX: Record<TargetKind, string> = {
  actual: 'exporters.actual_state',
  historic: 'exporters.actual_state_historic',
};

export const SUPPORTED_TYPES = ['SQLite', 'Postgres'] as const;
const KNOWN_TYPES = ['SQLite', 'Postgres', 'MS-SQL', 'MS-SQL-ODBC', 'Mysql', 'Memory'];

const typeSchema = z.string().superRefine((v, ctx) => {
  if (!KNOWN_TYPES.includes(v))
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown type ${v} (SQLite or Postgres)` });
  else if (!(SUPPORTED_TYPES as readonly string[]).includes(v))
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `type ${v} is not supported yet (SQLite or Postgres)`,
    });
});

function specs(
  kind: TargetKind,
): Record<'type' | 'host' | 'port' | 'db_name' | 'user' | 'password', SettingSpec> {
  const p = PREFIX[kind];
  const fallback = kind === 'historic' ? ' (falls back to the exporters.actual_state value)' : '';
  return {
    type: setting({
      key: `${p}.type`,
      schema: typeSchema,
      type: 'string',
      default: 'SQLite',
      description: 'Target database type: `SQLite` or `Postgres` (MS-SQL and Mysql are not supported yet)',
    }),
    host: setting({
      key: `${p}.host`,
      schema: z.string().min(1),
      type: 'string',
      description: `Postgres host${fallback}`,
    }),
    port: setting({
      key: `${p}.port`,
      schema: intSchema.pipe(z.number().int().min(1).max(65535)),
      type: 'integer',
      description: `Postgres port, default 5432${fallback}`,
    }),
    db_name: setting({
      key: `${p}.db_name`,
      schema: z.string().min(1),
      type: 'string',
      default: kind === 'actual' ? 'ActualState' : 'ActualStateHistoric',
      description:
        'Postgres database name; for SQLite the file `<db_name>.db` (relative to the installation root)',
    }),
    user: setting({
      key: `${p}.user`,
      schema: z.string().min(1),
      type: 'string',
      description: `Postgres user${fallback}`,
    }),
    password: setting({
      key: `${p}.password`,
      schema: z.string(),
      type: 'string',
      secret: true,
      description: `Postgres password${fallback}`,
    }),
  };
}

export const ACTUAL_TARGET_SETTINGS = specs('actual');
export const HISTORIC_TARGET_SETTINGS = specs('historic');

export function targetSettings(kind: TargetKind): SettingSpec[] {
  return Object.values(kind === 'actual' ? ACTUAL_TARGET_SETTINGS : HISTORIC_TARGET_SETTINGS);
}

export type Target =
  | { type: 'SQLite'; file: string }
  | {
      type: 'Postgres';
      host: string;
      port: number;
      database: string;
      user: string;
      password: string | undefined;
    };

/** Resolves the target of a kind from settings; throws SettingsError naming the key. */
export function resolveTarget(settings: Settings, paths: JobPaths, kind: TargetKind): Target {
  const own = kind === 'actual' ? ACTUAL_TARGET_SETTINGS : HISTORIC_TARGET_SETTINGS;
  const get = <T>(k: keyof typeof own): T | undefined => {
    const v = settings.value(own[k]) as T | undefined;
    if (v !== undefined || kind === 'actual' || k === 'type' || k === 'db_name') return v;
    return settings.value(ACTUAL_TARGET_SETTINGS[k]) as T | undefined;
  };
  const type = get<string>('type')!;
  const dbName = get<string>('db_name')!;
  if (type === 'SQLite') return { type, file: path.resolve(paths.root, `${dbName}.db`) };
  const host = get<string>('host');
  if (!host) throw new SettingsError(own.host.key, 'is required for type Postgres');
  const user = get<string>('user');
  if (!user) throw new SettingsError(own.user.key, 'is required for type Postgres');
  return {
    type: 'Postgres',
    host,
    port: get<number>('port') ?? 5432,
    database: dbName,
    user,
    password: get<string>('password'),
  };
}
