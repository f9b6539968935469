/**
 * Where a dry run puts what a job would have sent, and the JSON file writer the upload exports share
 * (temp file in the same directory, fsync, rename; mode 0600).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../orchestrator/job.js';

/** `{state}/dry-run/{runId}/{job}`: the only place a dry run writes. */
export function dryRunDir(ctx: Pick<JobContext, 'paths' | 'runId' | 'jobName'>): string {
  return path.join(ctx.paths.state, 'dry-run', ctx.runId, ctx.jobName);
}

/** Writes `data` as JSON to `file` atomically; returns its size in bytes. */
export function writeJsonFile(file: string, data: unknown): number {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = JSON.stringify(data, null, 1);
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return Buffer.byteLength(text);
}
