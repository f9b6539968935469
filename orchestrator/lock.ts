/**
 * One run at a time: `{state}/run.lock` holds the holder's PID and start time. A lock whose PID is dead
 * is stale (killed by SIGKILL or OOM) and is taken over with a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LockHeldError } from './errors.js';

export interface LockInfo {
  pid: number;
  startedAt: string;
  runId: string;
}

export interface RunLock {
  file: string;
  release(): void;
}

export function lockPath(stateDir: string): string {
  return path.join(stateDir, 'run.lock');
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (dead, not yet reaped: containers whose PID 1 does not reap) is not alive
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function readLock(stateDir: string): LockInfo | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(lockPath(stateDir), 'utf8')) as LockInfo;
    return typeof data.pid === 'number' ? data : { pid: -1, startedAt: '?', runId: '?' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, startedAt: '?', runId: '?' }; // unreadable or half-written: treat as stale
  }
}

/**
 * Takes the lock or throws LockHeldError (exit 3). `describeHolder` adds detail to the refusal
 * (e.g. that the requested job is running now in the holder's run).
 */
export function acquireLock(
  stateDir: string,
  info: LockInfo,
  warn: (msg: string) => void,
  describeHolder: (holder: LockInfo) => string = () => '',
): RunLock {
  const file = lockPath(stateDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(info));
      fs.closeSync(fd);
      return {
        file,
        release: () => {
          const now = readLock(stateDir);
          if (now && now.pid === info.pid && now.runId === info.runId) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(stateDir);
    if (!holder) continue;
    if (pidAlive(holder.pid)) {
      const extra = describeHolder(holder);
      throw new LockHeldError(
        `another run holds the lock ${file}: pid ${holder.pid}, started ${holder.startedAt}${extra ? `; ${extra}` : ''}`,
      );
    }
    warn(`taking over a stale lock ${file} (pid ${holder.pid} started ${holder.startedAt} is gone)`);
    fs.rmSync(file, { force: true });
  }
  throw new LockHeldError(`could not take the lock ${file}`);
}
