/** The backup steps' implementations (see definition.ts and docs/operations.md). */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext, JobDefinition, JobResult } from '../../orchestrator/job.js';
import { timezoneSpec } from '../../orchestrator/runner-settings.js';
import { removeStaleTempsOf, writeAtomically } from '../../orchestrator/atomic-write.js';
import { ARCHIVE_RE, PENDING_RE, archiveName, isOlderThan, pendingName } from './archive-name.js';
import { appendTar, createTar, gzipInto } from './archive.js';
import {
  backupDirSpec,
  backupSaveDaysSpec,
  dbBackupSpec,
  snapshotMaxAgeSpec,
  snapshotSpec,
} from './definition.js';
import { postNightFiles, preNightFiles } from './file-list.js';

const DAY_MS = 86_400_000;

function backupDir(ctx: JobContext): string {
  const dir = path.resolve(ctx.paths.root, ctx.settings.value(backupDirSpec));
  if (!ctx.dryRun) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // temp files of a killed run (pending tars and archives being gzipped)
    removeStaleTempsOf(dir, (name) => PENDING_RE.test(name) || ARCHIVE_RE.test(name));
  }
  return dir;
}

function missingWarning(missing: string[]): string[] {
  if (!missing.length) return [];
  return [
    `${missing.length} file${missing.length === 1 ? '' : 's'} to back up missing: ${missing.join(', ')}`,
  ];
}

/** The stale-snapshot guard: throws (one line naming the key) when the snapshot is missing or too old. */
function checkSnapshot(ctx: JobContext): string | undefined {
  const configured = ctx.settings.value(snapshotSpec);
  if (!configured) return undefined;
  if (!ctx.settings.value(dbBackupSpec)) return `snapshot not checked (${dbBackupSpec.key} is false)`;
  const file = path.resolve(ctx.paths.root, configured);
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    throw new Error(`${snapshotSpec.key}: database snapshot ${file} does not exist; imports will not run`);
  }
  const max = ctx.settings.value(snapshotMaxAgeSpec);
  const age = Math.round((Date.now() - mtimeMs) / 1000);
  if (age > max) {
    throw new Error(
      `database snapshot ${file} is ${age} s old (max ${max} s, ${snapshotMaxAgeSpec.key}); imports will not run on a stale snapshot`,
    );
  }
  return `snapshot ${age} s old`;
}

export async function runPreBackup(ctx: JobContext): Promise<JobResult> {
  const dir = backupDir(ctx);
  const list = preNightFiles(ctx.settings, ctx.paths);
  const warnings = missingWarning(list.missing);
  for (const w of warnings) ctx.logger.warn(w);
  const pending = path.join(dir, pendingName(ctx.runId));
  if (ctx.dryRun) {
    const snapshot = checkSnapshot(ctx);
    return {
      message: `dry run: would stage ${list.present.length} files in ${pending}${snapshot ? `; ${snapshot}` : ''}`,
      counters: { files: list.present.length, missing: list.missing.length },
      warnings,
    };
  }
  // Stage first, check after: even a night stopped by a stale snapshot keeps its pre-night files.
  warnings.push(...(await writeAtomically(pending, (tmp) => createTar(tmp, 'before', list.present))));
  ctx.logger.info(`staged ${list.present.length} files before the night in ${pending}`);
  const snapshot = checkSnapshot(ctx);
  return {
    message: `${list.present.length} files staged${snapshot ? `; ${snapshot}` : ''}`,
    counters: { files: list.present.length, missing: list.missing.length },
    outputs: [pending],
    warnings,
  };
}

/** Deletes archives older than the retention (by the time in their name) and stale pending tars of other runs. */
function applyRetention(ctx: JobContext, dir: string, keep: string, ownPending: string): string[] {
  const days = ctx.settings.value(backupSaveDaysSpec);
  const timeZone = ctx.settings.value(timezoneSpec);
  const now = new Date();
  const deleted: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    const oldArchive = ARCHIVE_RE.test(name) && name !== keep && isOlderThan(name, now, days, timeZone);
    const stalePending =
      PENDING_RE.test(name) && full !== ownPending && fs.statSync(full).mtimeMs < now.getTime() - DAY_MS;
    if (oldArchive || stalePending) {
      fs.rmSync(full, { force: true });
      deleted.push(name);
    }
  }
  return deleted;
}

export async function runPostBackup(ctx: JobContext): Promise<JobResult> {
  // Imported here: the registry imports this area's definition.
  const { builtinJobs } = await import('../registry.js');
  return postBackupWith(ctx, builtinJobs);
}

/** post_backup with the job catalogue whose state files it archives (tests pass their own). */
export async function postBackupWith(ctx: JobContext, jobs: readonly JobDefinition[]): Promise<JobResult> {
  const dir = backupDir(ctx);
  const others = jobs.filter((j) => j.name !== 'pre_backup' && j.name !== 'post_backup');
  const list = postNightFiles(ctx.settings, ctx.paths, others);
  const warnings = [...list.warnings, ...missingWarning(list.missing)];
  const pending = path.join(dir, pendingName(ctx.runId));
  const name = archiveName(ctx.runStartedAt, ctx.settings.value(timezoneSpec));
  const target = path.join(dir, name);
  const hasPending = fs.existsSync(pending);
  // A dry pre_backup stages nothing, so a dry night has no pre-night part to miss.
  if (!hasPending && !ctx.dryRun) warnings.push('no pre-night part: pre_backup did not run in this run');
  for (const w of warnings) ctx.logger.warn(w);
  if (ctx.dryRun) {
    return {
      message: `dry run: would write ${target} with ${list.present.length} state files`,
      counters: { files: list.present.length, missing: list.missing.length },
      warnings,
    };
  }
  if (!hasPending) warnings.push(...(await createTar(pending, 'after', list.present)));
  else warnings.push(...(await appendTar(pending, 'after', list.present)));
  await gzipInto(pending, target, ctx.signal);
  fs.rmSync(pending, { force: true });
  const size = fs.statSync(target).size;
  ctx.logger.info(`wrote ${target} (${size} bytes)`);
  const deleted = applyRetention(ctx, dir, name, pending);
  if (deleted.length) ctx.logger.info(`retention: deleted ${deleted.join(', ')}`);
  return {
    message: `${name}: ${list.present.length} state files${deleted.length ? `; ${deleted.length} old archives deleted` : ''}`,
    counters: {
      files: list.present.length,
      missing: list.missing.length,
      deleted: deleted.length,
      bytes: size,
    },
    outputs: [target],
    warnings,
  };
}
