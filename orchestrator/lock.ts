/**
 * One run at a time: the lease `{state}/run.lock` (see lease.ts for the takeover rules). A live holder → exit 3
 * naming its host, PID, process start time and run; a stale one is taken over with a warning.
 */
import path from 'node:path';
import { LockHeldError } from './errors.js';
import { acquireLease, describeHolder, inspectLease, type LeaseHolder, type LeaseOptions } from './lease.js';

export { pidAlive } from './lease.js';

export interface RunLock {
  file: string;
  holder: LeaseHolder;
  release(): void;
}

export function lockPath(stateDir: string): string {
  return path.join(stateDir, 'run.lock');
}

/** The live holder of the run lock, or undefined if nobody holds it (or only a stale lease is left). */
export function liveHolder(stateDir: string): LeaseHolder | undefined {
  const state = inspectLease(lockPath(stateDir));
  return state.kind === 'held' ? state.holder : undefined;
}

/**
 * Takes the run lock or throws LockHeldError (exit 3). `describeBusy` adds detail to the refusal
 * (e.g. that the requested job is running now in the holder's run).
 */
export function acquireLock(
  stateDir: string,
  runId: string,
  warn: (msg: string) => void,
  describeBusy: (holder: LeaseHolder) => string = () => '',
  opts: LeaseOptions = {},
  /** `runner.timezone`: the refusal shows the holder's start in it. */
  timeZone?: string,
): RunLock {
  const file = lockPath(stateDir);
  const got = acquireLease(file, runId, opts);
  if (!got.ok) {
    const who = got.holder ? describeHolder(got.holder, timeZone) : (got.note ?? 'unknown holder');
    const extra = got.holder ? describeBusy(got.holder) : '';
    throw new LockHeldError(`another run holds the lock ${file}: ${who}${extra ? `; ${extra}` : ''}`);
  }
  if (got.tookOver) warn(`took over a stale lock ${file}: ${got.tookOver}`);
  return { file, holder: got.lease.holder, release: () => got.lease.release() };
}
