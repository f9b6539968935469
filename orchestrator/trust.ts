/**
 * Trust of the settings file and the state dir (docs/operations.md): the settings define shell commands run
 * as the service user, and the state dir holds the lock, the history and CPR-bearing caches, so nobody but
 * the runner (and root) may be able to change them. One function, one list of rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TrustError } from './errors.js';

const groupOrOtherWrite = 0o022;
const sticky = 0o1000;
const setgid = 0o2000;
const otherWrite = 0o002;

export interface TrustOptions {
  /** The runner's uid (default: this process's). */
  uid?: number;
  /** The runner's groups (default: this process's gid and supplementary groups). */
  groups?: number[];
}

/**
 * A Kubernetes volume with `securityContext.fsGroup`: kubelet makes its root group-writable and setgid, group
 * = the pod's fsGroup, which only the pod's own containers have. A directory inside it that the runner creates
 * 0700 (`/state/var`) stays the runner's, so such an ancestor is trusted: group-writable only (never by
 * others), setgid, and its group is one of the runner's groups.
 */
function fsGroupVolume(st: fs.Stats, groups: readonly number[]): boolean {
  return (st.mode & otherWrite) === 0 && (st.mode & setgid) !== 0 && groups.includes(st.gid);
}

/** The path itself if it exists, else its nearest existing ancestor; with symlinks resolved. */
function realExisting(p: string): { real: string; exists: boolean } {
  for (let dir = path.resolve(p), first = true; ; first = false) {
    try {
      return { real: fs.realpathSync(dir), exists: first };
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return { real: dir, exists: false };
      dir = up;
    }
  }
}

/**
 * Why a path cannot be trusted, or undefined. Rules, on the real path (symlinks followed):
 * 1. the path (if it exists) is owned by the runner or by root;
 * 2. the path is not writable by group or others;
 * 3. no directory above it is writable by group or others, unless it has the sticky bit (/tmp) or is an
 *    fsGroup volume root (group-writable and setgid, of the runner's own group: see fsGroupVolume).
 * A path that does not exist yet (a state dir the runner will create 0700) is judged by rule 3 alone.
 */
export function trustProblem(p: string, opts: TrustOptions = {}): TrustError | undefined {
  const uid = opts.uid ?? process.getuid?.();
  const groups = opts.groups ?? [
    ...(process.getgroups?.() ?? []),
    ...(process.getgid ? [process.getgid()] : []),
  ];
  const { real, exists } = realExisting(p);
  const shown = real === p ? p : `${p} (${real})`;
  if (exists) {
    const st = fs.statSync(real);
    if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
      return new TrustError(
        shown,
        `is owned by uid ${st.uid}, not by the runner (uid ${uid}) or root`,
        `chown ${uid} ${real}`,
      );
    }
    if ((st.mode & groupOrOtherWrite) !== 0) return new TrustError(shown, undefined, `chmod go-w ${real}`);
  }
  // below a file: not a trust matter (the state dir check names it)
  if (!exists && !fs.statSync(real).isDirectory()) return undefined;
  for (let dir = exists ? path.dirname(real) : real; ; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    const mode = st.mode;
    if ((mode & groupOrOtherWrite) !== 0 && (mode & sticky) === 0 && !fsGroupVolume(st, groups)) {
      return new TrustError(
        shown,
        `is inside ${dir}, which is writable by group or others without the sticky bit`,
        `chmod go-w ${dir}`,
      );
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Throws the first TrustError (exit 2) among the paths. */
export function checkTrust(paths: readonly string[], opts: TrustOptions = {}): void {
  for (const p of paths) {
    const problem = trustProblem(p, opts);
    if (problem) throw problem;
  }
}
