/**
 * One lock around the OS2sync hash cache and the sends it gates: the night's exports_os2sync holds it for
 * its whole run, `job-runner listen` for each batch. It is a lease (orchestrator/lease.ts) at
 * `{hash cache}.lock`, like the run lock: a holder killed by kill -9, a PID reused after a reboot or in a new
 * container, and a night and a listener in two pods on one volume are all told apart, so a dead holder never
 * blocks the night and a live one on another host is never taken over. The PID lock file of older versions at
 * the same path is honoured while its PID lives.
 */
import { acquireLease } from '../../orchestrator/lease.js';

export const cacheLockFile = (hashCachePath: string): string => `${hashCachePath}.lock`;

export interface CacheLock {
  release(): void;
  /** Set when a stale lease was taken over: why (for a warning). */
  tookOver?: string;
}

export interface CacheLockHolder {
  /** Who holds it: `exports_os2sync`, `job-runner listen`, or what the lease says. */
  what: string;
  /** host, PID, start time: for messages. */
  who: string;
}

export function tryCacheLock(hashCachePath: string, what: string): CacheLock | { held: CacheLockHolder } {
  const got = acquireLease(cacheLockFile(hashCachePath), what);
  if (!got.ok)
    return {
      held: got.holder
        ? {
            what: got.holder.runId,
            who: `host ${got.holder.host}, pid ${got.holder.pid}, started ${got.holder.processStartedAt}`,
          }
        : { what: 'another process', who: got.note ?? 'unknown holder' },
    };
  return { release: () => got.lease.release(), ...(got.tookOver ? { tookOver: got.tookOver } : {}) };
}

/** Waits (polling) until the lock is free, or the signal aborts. */
export async function waitCacheLock(
  hashCachePath: string,
  what: string,
  opts: { signal?: AbortSignal; pollMs?: number; onWait?: (h: CacheLockHolder) => void },
): Promise<CacheLock> {
  let told = false;
  for (;;) {
    const got = tryCacheLock(hashCachePath, what);
    if (!('held' in got)) return got;
    if (!told) opts.onWait?.(got.held);
    told = true;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}
