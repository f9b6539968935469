/**
 * Every output, cache and state file is written here: to a temp file in the target's directory
 * (`<name>.tmp-<pid>-<random>`, created with its final mode), fsynced, renamed over the target, and the
 * directory fsynced. On failure the temp file is removed. A run killed by SIGKILL can still leave temp files
 * (they may hold CPR numbers): `removeStaleTemps` deletes those of a target, and every writer calls it before
 * it writes. write-file-atomic was not used: its temp names (`<name>.<number>`) cannot be told from an
 * operator's files when cleaning up, and streamed writers (xlsx, tar, SQLite) need a temp path, not a buffer.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicOptions {
  /** Mode of the new file (default 0o600: outputs may hold CPR numbers). */
  mode?: number;
}

/** Temp paths being written by this process now (never removed as leftovers). */
const live = new Set<string>();

export const TEMP_MARK = '.tmp-';

export function tempPathFor(target: string): string {
  return `${target}${TEMP_MARK}${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Removes leftover temp files in `dir` (`<name>.tmp-*`, also SQLite's `-wal`/`-journal` beside them) whose
 * final name satisfies `ofTarget`, except those this process is writing now. Returns the names removed.
 */
export function removeStaleTempsOf(dir: string, ofTarget: (finalName: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const at = name.indexOf(TEMP_MARK);
    if (at <= 0 || !ofTarget(name.slice(0, at))) continue;
    const full = path.join(dir, name);
    if ([...live].some((t) => full === t || full.startsWith(`${t}-`))) continue;
    fs.rmSync(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes leftover temp files of `target` (see removeStaleTempsOf). */
export function removeStaleTemps(target: string): string[] {
  const base = path.basename(target);
  return removeStaleTempsOf(path.dirname(target), (name) => name === base);
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // some file systems refuse fsync on a directory
    if (!['EINVAL', 'EISDIR', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

export interface TempFile {
  /** The temp path: exists, empty, with the file's mode. */
  path: string;
  /** fsync, chmod to `mode` (default: the mode it was created with), rename over the target, fsync the dir. */
  commit(mode?: number): void;
  /** Removes the temp file (and SQLite side files); a no-op after commit. */
  discard(): void;
  /**
   * Starts writing what is written so far to disk in the background (an fdatasync on the libuv thread pool; a
   * no-op while one is still running), so that the commit's fsync, which the caller waits for, has less left.
   * For long writers: a 100 MB snapshot otherwise waits for all of it at the end.
   */
  writeBack(): void;
}

/**
 * Writers that open and finish in different places (the SQLite snapshot): a temp path for `target`, after
 * removing the target's leftover temp files. Prefer `writeAtomically`, which commits or discards for you.
 */
export function openTemp(target: string, opts: AtomicOptions = {}): TempFile {
  const mode = opts.mode ?? 0o600;
  removeStaleTemps(target);
  const tmp = tempPathFor(target);
  fs.closeSync(fs.openSync(tmp, 'wx', mode));
  live.add(tmp);
  let writingBack = false;
  return {
    path: tmp,
    commit(finalMode = mode) {
      fs.chmodSync(tmp, finalMode);
      fsyncPath(tmp);
      fs.renameSync(tmp, target);
      live.delete(tmp);
      fsyncPath(path.dirname(target));
    },
    discard: () => cleanUp(tmp),
    writeBack() {
      if (writingBack) return;
      writingBack = true;
      fs.open(tmp, 'r', (openErr, fd) => {
        if (openErr) return void (writingBack = false); // discarded meanwhile: nothing to write
        // a failure here is no failure of the write: the commit's own fsync reports it
        fs.fdatasync(fd, () => fs.close(fd, () => (writingBack = false)));
      });
    },
  };
}

function cleanUp(tmp: string): void {
  live.delete(tmp);
  for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) fs.rmSync(p, { force: true });
}

/**
 * Streamed writers: `write` fills the temp path (it exists, empty, with the final mode); when it resolves the
 * file is committed over `target`; when it throws the temp file is removed and the error passed on.
 */
export async function writeAtomically<T>(
  target: string,
  write: (tmp: string) => Promise<T> | T,
  opts: AtomicOptions = {},
): Promise<T> {
  const temp = openTemp(target, opts);
  try {
    const result = await write(temp.path);
    temp.commit();
    return result;
  } finally {
    temp.discard();
  }
}

/** `writeAtomically` for synchronous writers. */
export function writeAtomicallySync<T>(
  target: string,
  write: (tmp: string) => T,
  opts: AtomicOptions = {},
): T {
  const temp = openTemp(target, opts);
  try {
    const result = write(temp.path);
    temp.commit();
    return result;
  } finally {
    temp.discard();
  }
}

/** Whole-buffer writes. */
export function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicOptions = {}): void {
  writeAtomicallySync(target, (tmp) => fs.writeFileSync(tmp, data), opts);
}

/** Removes the temp files this process is writing now (the runner is about to exit on a signal). */
export function removeLiveTemps(): void {
  for (const tmp of [...live]) cleanUp(tmp);
}

/** A JSON document, its directory created (0700) when missing; returns its size in bytes. */
export function writeJsonAtomic(target: string, data: unknown, opts: AtomicOptions = {}): number {
  const text = JSON.stringify(data, null, 1);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  writeFileAtomic(target, text, opts);
  return Buffer.byteLength(text);
}
