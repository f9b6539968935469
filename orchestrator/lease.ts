/**
 * Lease locks: one holder at a time for a named lock, also across hosts sharing the state volume (pods).
 *
 * Scheme (proper-lockfile's): the lock is a directory, created with `mkdir` (atomic on local and network file
 * systems); `holder.json` inside names the holder (host, boot id, PID, the PID's start time, run id, a random
 * token, heartbeat, expiry) and is replaced atomically on every heartbeat. proper-lockfile itself is not used:
 * its stale-lock takeover (rmdir + mkdir) lets two waiters both win (its issue #121), and it cannot tell a
 * dead or reused PID on this host. Here every removal of a lock dir happens under a second mkdir lock
 * (`<lock>.takeover`) after re-checking that the lease is still stale, so exactly one starter wins.
 *
 * Stale (taken over with a warning), checked in this order:
 * - a plain file at the lock path (the PID lock of older versions, or garbage): stale unless it names a live
 *   PID; an empty or unreadable file is stale at once;
 * - a lock dir without holder.json: stale once its mtime is older than `emptyGraceMs` (a starter writes
 *   holder.json right after mkdir; younger than that it is being taken now);
 * - holder.json that is not a holder (garbage: it is written atomically, so never half-written): stale at once;
 * - heartbeat expired (`expiresAt` passed), whatever the host;
 * - holder on this host: host rebooted (boot id differs), PID dead, or PID reused (its start time differs).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { isoWithOffset } from './zoned-time.js';

export interface LeaseHolder {
  host: string;
  /** Linux boot id: a lease from before a reboot of this host is stale. */
  bootId: string | null;
  pid: number;
  /** /proc/PID/stat field 22 (clock ticks after boot): detects PID reuse. null where there is no /proc. */
  pidStart: string | null;
  /** When the holder process started (for people). */
  processStartedAt: string;
  runId: string;
  token: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
  /** The holder process exits while the lease stands (`night begin`): only the expiry ends it, never the PID. */
  detached?: boolean;
}

export type LeaseState =
  | { kind: 'free' }
  | { kind: 'held'; holder?: LeaseHolder; note?: string }
  | { kind: 'stale'; holder?: LeaseHolder; reason: string };

export interface LeaseOptions {
  /** A lease not renewed for this long is stale (default 10 min). */
  ttlMs?: number;
  /** Heartbeat period (default 30 s); 0 = no automatic heartbeat. */
  renewMs?: number;
  /** An empty lock dir younger than this is being taken now (default 10 s). */
  emptyGraceMs?: number;
  /** Called when a heartbeat finds the lease taken over or removed. */
  onLost?: (message: string) => void;
  /** Liveness is the expiry only (see LeaseHolder.detached). */
  detached?: boolean;
}

export interface Lease {
  path: string;
  holder: LeaseHolder;
  renew(): void;
  release(): void;
}

export type AcquireResult =
  { ok: true; lease: Lease; tookOver?: string } | { ok: false; holder?: LeaseHolder; note?: string };

const DEFAULT_TTL_MS = 10 * 60_000;
const DEFAULT_RENEW_MS = 30_000;
const DEFAULT_EMPTY_GRACE_MS = 10_000;
/** The takeover guard is held for milliseconds; older than this its owner died inside it. */
const GUARD_STALE_MS = 30_000;
const HOLDER_FILE = 'holder.json';

function readOr(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat: the process start time in clock ticks after boot. */
export function pidStartTicks(pid: number): string | null {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return null;
  // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

export function bootId(): string | null {
  return readOr('/proc/sys/kernel/random/boot_id');
}

/** true if the PID exists and is not a zombie (EPERM = exists, another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readOr(`/proc/${pid}/stat`);
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function parseHolder(text: string): LeaseHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LeaseHolder>;
    if (
      typeof h.host === 'string' &&
      typeof h.pid === 'number' &&
      typeof h.token === 'string' &&
      typeof h.expiresAt === 'string' &&
      !Number.isNaN(Date.parse(h.expiresAt))
    )
      return h as LeaseHolder;
  } catch {
    // garbage
  }
  return undefined;
}

/** Why a holder on this host no longer holds, or undefined if it is alive. */
function localDeath(h: LeaseHolder): string | undefined {
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return 'the host was rebooted since';
  if (!pidAlive(h.pid)) return `pid ${h.pid} is gone`;
  const start = pidStartTicks(h.pid);
  if (h.pidStart && start && start !== h.pidStart) return `pid ${h.pid} now belongs to another process`;
  return undefined;
}

/** The state of the lease at `lockPath` as seen from this process now. */
export function inspectLease(lockPath: string, opts: LeaseOptions = {}): LeaseState {
  let st: fs.Stats;
  try {
    st = fs.statSync(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw err;
  }
  if (!st.isDirectory()) {
    const text = readOr(lockPath) ?? '';
    let pid: unknown;
    try {
      pid = (JSON.parse(text) as { pid?: unknown }).pid;
    } catch {
      return { kind: 'stale', reason: text ? 'the lock file is garbage' : 'the lock file is empty' };
    }
    if (typeof pid === 'number' && pidAlive(pid))
      return { kind: 'held', note: `pid ${pid} (a lock file of an older job-runner)` };
    return { kind: 'stale', reason: `the old-style lock file names pid ${String(pid)}, which is gone` };
  }
  const text = readOr(path.join(lockPath, HOLDER_FILE));
  if (text === null) {
    const age = Date.now() - st.mtimeMs;
    if (age > (opts.emptyGraceMs ?? DEFAULT_EMPTY_GRACE_MS))
      return { kind: 'stale', reason: `the lock has no holder since ${st.mtime.toISOString()}` };
    return { kind: 'held', note: 'another starter is taking it now' };
  }
  const holder = parseHolder(text);
  if (!holder) return { kind: 'stale', reason: 'its holder file is garbage' };
  if (Date.parse(holder.expiresAt) < Date.now())
    return {
      kind: 'stale',
      holder,
      reason: `the heartbeat of ${describeHolder(holder)} expired at ${holder.expiresAt}`,
    };
  if (holder.host === os.hostname() && !holder.detached) {
    const death = localDeath(holder);
    if (death) return { kind: 'stale', holder, reason: death };
  }
  return { kind: 'held', holder };
}

/** "host H, pid P started S, run R": who holds a lease, for messages. */
/** For messages; with `timeZone` the start time is shown in it, with its offset (the runner's one clock). */
export function describeHolder(h: LeaseHolder, timeZone?: string): string {
  const started = timeZone ? isoWithOffset(new Date(h.processStartedAt), timeZone) : h.processStartedAt;
  return `host ${h.host}, pid ${h.pid}, started ${started}, run ${h.runId}`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding `<lockPath>.takeover`; undefined if another process holds it for longer than ~1 s. */
function underGuard<T>(lockPath: string, fn: () => T): T | undefined {
  const guard = `${lockPath}.takeover`;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      fs.mkdirSync(guard);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.rmSync(guard, { recursive: true });
      } catch {
        // gone meanwhile
      }
      sleepSync(5 + Math.floor(Math.random() * 20));
      continue;
    }
    try {
      return fn();
    } finally {
      fs.rmSync(guard, { recursive: true, force: true });
    }
  }
  return undefined;
}

/** Moves the lock aside (one rename) and deletes it. */
function removeLock(lockPath: string): void {
  const aside = `${lockPath}.removed-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

function selfHolder(runId: string, ttlMs: number, detached: boolean): LeaseHolder {
  const now = new Date();
  return {
    ...(detached ? { detached: true } : {}),
    host: os.hostname(),
    bootId: bootId(),
    pid: process.pid,
    pidStart: pidStartTicks(process.pid),
    processStartedAt: new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString(),
    runId,
    token: crypto.randomBytes(12).toString('hex'),
    acquiredAt: now.toISOString(),
    heartbeatAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
}

function writeHolder(lockPath: string, holder: LeaseHolder): void {
  writeFileAtomic(path.join(lockPath, HOLDER_FILE), JSON.stringify(holder) + '\n', { mode: 0o600 });
}

function makeLease(lockPath: string, holder: LeaseHolder, opts: LeaseOptions): Lease {
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  const ours = () => {
    const now = readOr(path.join(lockPath, HOLDER_FILE));
    return now !== null && parseHolder(now)?.token === holder.token;
  };
  const lease: Lease = {
    path: lockPath,
    holder,
    renew() {
      if (released) return;
      if (!ours()) {
        if (timer) clearInterval(timer);
        opts.onLost?.(`the lock ${lockPath} was taken over or removed while this process held it`);
        return;
      }
      const now = new Date();
      holder.heartbeatAt = now.toISOString();
      holder.expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      writeHolder(lockPath, holder);
    },
    release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      const done = underGuard(lockPath, () => {
        if (ours()) removeLock(lockPath);
        return true;
      });
      // a guard wedged by a process that died inside it must not keep our own lease alive
      if (!done && ours()) removeLock(lockPath);
    },
  };
  const renewMs = opts.renewMs ?? DEFAULT_RENEW_MS;
  if (renewMs > 0) {
    timer = setInterval(() => {
      try {
        lease.renew();
      } catch (err) {
        opts.onLost?.(`could not renew the lock ${lockPath}: ${(err as Error).message}`);
      }
    }, renewMs);
    timer.unref();
  }
  return lease;
}

/**
 * Takes the lease at `lockPath` for `runId`, taking over a stale one (`tookOver` says why). Never waits for a
 * live holder: `{ ok: false }` names it.
 */
export function acquireLease(lockPath: string, runId: string, opts: LeaseOptions = {}): AcquireResult {
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.mkdirSync(lockPath, { mode: 0o700 });
      const holder = selfHolder(runId, ttlMs, opts.detached === true);
      try {
        writeHolder(lockPath, holder);
      } catch (err) {
        fs.rmSync(lockPath, { recursive: true, force: true });
        throw err;
      }
      return { ok: true, lease: makeLease(lockPath, holder, opts), ...(tookOver ? { tookOver } : {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const state = inspectLease(lockPath, opts);
    if (state.kind === 'held') return { ok: false, holder: state.holder, note: state.note };
    if (state.kind === 'free') continue;
    const removed = underGuard(lockPath, () => {
      // re-check under the guard: another starter may have replaced the stale lease with a live one
      const again = inspectLease(lockPath, opts);
      if (again.kind !== 'stale') return again;
      removeLock(lockPath);
      return again;
    });
    if (!removed) return { ok: false, note: 'another starter is taking it now' };
    if (removed.kind === 'held') return { ok: false, holder: removed.holder, note: removed.note };
    if (removed.kind === 'stale') tookOver = removed.reason;
  }
  return { ok: false, note: 'it changed hands too often while this process tried to take it' };
}

/**
 * Removes the lease at `lockPath` if it is held for `runId` (`night end` releasing what `night begin` took, from
 * another process). Returns whether it removed it.
 */
export function releaseLeaseOfRun(lockPath: string, runId: string): boolean {
  const drop = () => {
    const text = readOr(path.join(lockPath, HOLDER_FILE));
    if (text === null || parseHolder(text)?.runId !== runId) return false;
    removeLock(lockPath);
    return true;
  };
  return underGuard(lockPath, drop) ?? drop();
}
