/**
 * Built-in backup steps (runner.md §1.8, docs/operations.md): `pre_backup` stages the pre-night files and
 * guards against a stale database snapshot (imports need it); `post_backup` adds the state files every
 * enabled job declares, as they are after the night, and writes one archive per night; retention by age.
 */
import { z } from 'zod';
import type { JobDefinition } from '../../orchestrator/job.js';
import { boolSchema, positiveIntSchema, setting, type SettingSpec } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';

export const backupDirSpec = setting<string>({
  key: 'crontab.CRON_BACKUP',
  schema: z.string().min(1),
  type: 'path',
  description:
    'Backup directory. When set, `pre_backup` and `post_backup` run every night and write ' +
    '`YYYY-MM-DD-HH-MM-SS-cron-backup.tar.gz` here (created 0700 if missing; archives 0600).',
});

export const backupFilesSpec = setting<string[]>({
  key: 'crontab.BACKUP_FILES',
  schema: z.union([z.array(z.string().min(1)), z.string()]).transform((v) =>
    Array.isArray(v)
      ? v
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
  ) as unknown as z.ZodType<string[]>,
  type: 'path[]',
  default: [],
  description:
    'Files (or directories) to back up as they are before the night, e.g. run-db files. Relative paths are relative ' +
    'to the installation root. A missing file is a warning of `pre_backup`.',
});

export const backupSaveDaysSpec = setting<number>({
  key: 'crontab.BACKUP_SAVE_DAYS',
  schema: positiveIntSchema as unknown as z.ZodType<number>,
  type: 'integer',
  default: 60,
  description: 'Archives older than this many days (by the time in their name) are deleted by `post_backup`.',
});

export const snapshotSpec = setting<string>({
  key: 'crontab.SNAPSHOT_LORA',
  schema: z.string().min(1),
  type: 'path',
  description:
    'The database snapshot (pg_dump) taken just before the night. When set, `pre_backup` fails if it is missing or ' +
    'older than `crontab.BACKUP_MAX_SECONDS_AGE`, so no import runs on a stale snapshot; it is also archived.',
});

export const snapshotMaxAgeSpec = setting<number>({
  key: 'crontab.BACKUP_MAX_SECONDS_AGE',
  schema: positiveIntSchema as unknown as z.ZodType<number>,
  type: 'integer (seconds)',
  default: 120,
  env: ['BACKUP_MAX_SECONDS_AGE'],
  description: 'Maximum age of `crontab.SNAPSHOT_LORA` when `pre_backup` runs.',
});

export const includeSnapshotSpec = setting<boolean>({
  key: 'crontab.BACKUP_INCLUDE_SNAPSHOT',
  schema: boolSchema as unknown as z.ZodType<boolean>,
  type: 'boolean',
  default: true,
  description:
    'Put `crontab.SNAPSHOT_LORA` into the archive (as DIPEX did; it holds personal data). `false` keeps only the age guard.',
});

export const dbBackupSpec = setting<boolean>({
  key: 'crontab.RUN_DB_BACKUP',
  schema: boolSchema as unknown as z.ZodType<boolean>,
  type: 'boolean',
  default: true,
  description:
    "DIPEX's switch for the database snapshot (cron.sh took it only when true). `false` turns the snapshot off here too: " +
    'no age guard and no `crontab.SNAPSHOT_LORA` in the archive.',
});

const backupSettings: SettingSpec[] = [
  backupDirSpec,
  backupFilesSpec,
  backupSaveDaysSpec,
  snapshotSpec,
  snapshotMaxAgeSpec,
  includeSnapshotSpec,
  dbBackupSpec,
] as SettingSpec[];

/** `crontab.CRON_BACKUP` is a directory, not a boolean: set = enabled. */
const backupEnabled = (s: Settings): boolean => {
  const v = s.get(backupDirSpec.key);
  return typeof v === 'string' && v.trim() !== '';
};

export const preBackup: JobDefinition = {
  name: 'pre_backup',
  stage: 'pre',
  toggle: ['crontab.CRON_BACKUP'],
  description: 'Back up run-db files and guard against a stale database snapshot before the imports',
  enabled: backupEnabled,
  settings: backupSettings,
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runPreBackup' },
  load: async () => {
    const m = await import('./run.js');
    return { run: m.runPreBackup };
  },
};

export const postBackup: JobDefinition = {
  name: 'post_backup',
  stage: 'post',
  toggle: ['crontab.CRON_BACKUP'],
  description: 'Archive state files (hash caches, CPR maps) after every other job has ended; retention',
  enabled: backupEnabled,
  settings: backupSettings,
  isolated: { module: new URL('./run.js', import.meta.url).href, export: 'runPostBackup' },
  load: async () => {
    const m = await import('./run.js');
    return { run: m.runPostBackup };
  },
};
