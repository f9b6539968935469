/**
 * The dry-run scratch area (`run --dry-run`): jobs read and compute as in a real night, but every file they
 * would write goes to `{state}/dry-run/{runId}/{job}/{file name}` instead, and they log what they would have
 * written. Each dry run keeps only its own scratch area: the first job writing into one deletes the areas of
 * earlier runs (they can hold CPR numbers).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../orchestrator/job.js';

export type DryRunScope = Pick<JobContext, 'dryRun' | 'runId' | 'jobName' | 'paths' | 'logger'>;

/** `{state}/dry-run`: the parent of every run's scratch area. */
export function dryRunRoot(state: string): string {
  return path.join(state, 'dry-run');
}

/** Where `job` writes the file it would write at `real` in the dry run `runId`. */
export function scratchPathOf(state: string, runId: string, job: string, real: string): string {
  return path.join(dryRunRoot(state), runId, job, path.basename(real));
}

/**
 * The file a job writes: `real`, or in a dry run its scratch path (the directory created, mode 0700, and the
 * scratch areas of earlier runs removed).
 */
export function writeTarget(ctx: DryRunScope, real: string): string {
  if (!ctx.dryRun) return real;
  const root = dryRunRoot(ctx.paths.state);
  const file = scratchPathOf(ctx.paths.state, ctx.runId, ctx.jobName, real);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (const name of fs.readdirSync(root)) {
    if (name !== ctx.runId) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
  return file;
}

/** Logs, in a dry run, what would have been written where (and where it was written instead). */
export function reportDryWrite(ctx: DryRunScope, real: string, written: string, what: string): string {
  const size = fs.existsSync(written) ? fs.statSync(written).size : 0;
  const line = `dry run: would have written ${real} (${what}, ${size} bytes); written to ${written} instead`;
  ctx.logger.info(line);
  return line;
}
