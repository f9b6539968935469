/** Which files a night's archive holds, resolved from settings and the state files jobs declare. */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition, JobPaths } from '../../orchestrator/job.js';
import { toggleOn } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';
import { backupFilesSpec, dbBackupSpec, includeSnapshotSpec, snapshotSpec } from './definition.js';

export interface FileList {
  present: string[];
  missing: string[];
  /** Problems that are not missing files (a job's stateFiles threw). */
  warnings: string[];
}

function isEnabled(def: JobDefinition, s: Settings): boolean {
  return def.enabled ? def.enabled(s) : def.toggle.some((k) => toggleOn(s.get(k)));
}

function split(files: string[], root: string): FileList {
  const unique = [...new Set(files.map((f) => path.resolve(root, f)))];
  const present: string[] = [];
  const missing: string[] = [];
  for (const f of unique) (fs.existsSync(f) ? present : missing).push(f);
  return { present, missing, warnings: [] };
}

/** Before the night: `crontab.BACKUP_FILES` and the database snapshot. */
export function preNightFiles(s: Settings, paths: JobPaths): FileList {
  const files = [...s.value(backupFilesSpec)];
  const snapshot = s.value(snapshotSpec);
  if (snapshot && s.value(dbBackupSpec) && s.value(includeSnapshotSpec)) files.push(snapshot);
  return split(files, paths.root);
}

/**
 * After the night: the state files of every enabled job (evaluated now, so files created during
 * the night are included). Missing files of a job that did not run tonight are expected, so they are
 * reported as missing only when the file should exist (the caller decides how loud to be).
 */
export function postNightFiles(s: Settings, paths: JobPaths, jobs: readonly JobDefinition[]): FileList {
  const files: string[] = [];
  const warnings: string[] = [];
  for (const def of jobs) {
    if (!def.stateFiles || !isEnabled(def, s)) continue;
    try {
      files.push(...def.stateFiles(s, paths));
    } catch (err) {
      warnings.push(
        `${def.name}: state files unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      );
    }
  }
  const list = split(files, paths.root);
  list.warnings.push(...warnings);
  return list;
}
