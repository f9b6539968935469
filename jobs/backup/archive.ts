/**
 * Tar operations of the backup steps with the `tar` package: a pending uncompressed tar per run
 * (`{CRON_BACKUP}/.pending-<runId>.tar`, 0600), appended to by post_backup, then gzipped to a temp file
 * in the same directory and renamed into place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import * as tar from 'tar';
import { writeAtomically } from '../../orchestrator/atomic-write.js';

/** An archive with no entries: two zero blocks. */
const EMPTY_TAR = Buffer.alloc(1024);

const relativeToRoot = (files: readonly string[]): string[] => files.map((f) => path.relative('/', f));

/** Creates `file` (0600) holding `files` under `prefix/`; returns tar's warnings (e.g. a file vanished). */
export async function createTar(file: string, prefix: string, files: readonly string[]): Promise<string[]> {
  const warnings: string[] = [];
  fs.writeFileSync(file, EMPTY_TAR, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  if (files.length) await appendTar(file, prefix, files, warnings);
  return warnings;
}

/** Appends `files` under `prefix/` to an existing tar. */
export async function appendTar(
  file: string,
  prefix: string,
  files: readonly string[],
  warnings: string[] = [],
): Promise<string[]> {
  if (!files.length) return warnings;
  await tar.replace(
    {
      file,
      cwd: '/',
      prefix,
      follow: true,
      portable: true,
      onwarn: (_code: string, message: string) => warnings.push(message),
    },
    relativeToRoot(files),
  );
  return warnings;
}

/** Gzips `source` to `target` atomically (temp file in the same directory, 0600, fsync, rename). */
export async function gzipInto(source: string, target: string, signal?: AbortSignal): Promise<void> {
  await writeAtomically(target, (tmp) =>
    pipeline(
      fs.createReadStream(source),
      zlib.createGzip(),
      fs.createWriteStream(tmp, { flags: 'w' }),
      ...(signal ? [{ signal }] : []),
    ),
  );
}

/** Entry names of a .tar or .tar.gz (tests and the log). */
export async function listEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await tar.list({ file, onReadEntry: (e) => entries.push(e.path) });
  return entries;
}
