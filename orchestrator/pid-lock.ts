/**
 * A small PID lock file: `{file}` is created with O_EXCL and holds the holder's PID, start time and purpose.
 * A holder whose PID is dead (kill -9, OOM) is stale and taken over at once, so a restart never waits.
 * Used by `job-runner listen` (one listener per state dir) and around the OS2sync hash cache (the night's
 * exports_os2sync and the listener never send or write the cache at the same time).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from './lock.js';

export interface PidLockHolder {
  pid: number;
  since: string;
  what: string;
}

export interface PidLock {
  file: string;
  release(): void;
}

function readHolder(file: string): PidLockHolder | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as PidLockHolder;
    return typeof data.pid === 'number' ? data : { pid: -1, since: '?', what: '?' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, since: '?', what: '?' }; // half-written: stale
  }
}

/** The live holder of the lock, if any. */
export function pidLockHolder(file: string): PidLockHolder | undefined {
  const h = readHolder(file);
  return h && pidAlive(h.pid) ? h : undefined;
}

/** Takes the lock, or returns the live holder. Re-entrant for the same process. */
export function tryPidLock(file: string, what: string): PidLock | { held: PidLockHolder } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: PidLockHolder = { pid: process.pid, since: new Date().toISOString(), what };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      return {
        file,
        release: () => {
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (!holder) continue;
    if (holder.pid === process.pid) return { held: holder };
    if (pidAlive(holder.pid)) return { held: holder };
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
  const holder = readHolder(file);
  return { held: holder ?? { pid: -1, since: '?', what: '?' } };
}

/** Waits (polling) until the lock is free, or the signal aborts. */
export async function waitPidLock(
  file: string,
  what: string,
  opts: { signal?: AbortSignal; pollMs?: number; onWait?: (h: PidLockHolder) => void } = {},
): Promise<PidLock> {
  let told = false;
  for (;;) {
    const got = tryPidLock(file, what);
    if (!('held' in got)) return got;
    if (!told) opts.onWait?.(got.held);
    told = true;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}
