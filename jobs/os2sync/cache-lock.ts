/**
 * One lock around the OS2sync hash cache and the sends it gates: the night's exports_os2sync holds it for
 * its whole run, `job-runner listen` for each batch. `{hash cache}.lock` next to the cache file.
 */
import { tryPidLock, waitPidLock, type PidLock, type PidLockHolder } from '../../orchestrator/pid-lock.js';

export const cacheLockFile = (hashCachePath: string): string => `${hashCachePath}.lock`;

export function tryCacheLock(hashCachePath: string, what: string): PidLock | { held: PidLockHolder } {
  return tryPidLock(cacheLockFile(hashCachePath), what);
}

export function waitCacheLock(
  hashCachePath: string,
  what: string,
  opts: { signal?: AbortSignal; onWait?: (h: PidLockHolder) => void },
): Promise<PidLock> {
  return waitPidLock(cacheLockFile(hashCachePath), what, opts);
}
