/**
 * Builds a real JobContext for calling a job's run() directly in a test, without the engine:
 * temp state dir, settings from a plain object, a winston logger that records lines in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import winston from 'winston';
import Transport from 'winston-transport';
import type { JobContext } from '../../orchestrator/job.js';
import { Settings } from '../../orchestrator/settings-store.js';

class MemoryTransport extends Transport {
  lines: { level: string; message: string; [k: string]: unknown }[] = [];
  override log(info: { level: string; message: string }, next: () => void): void {
    this.lines.push({ ...info });
    next();
  }
}

export interface TestJobContext extends JobContext {
  /** Every log line the job wrote. */
  logLines: { level: string; message: string }[];
  /** Progress calls the job made. */
  progressCalls: { done: number; total: number | undefined; what: string }[];
  /** Removes the temp dir. */
  cleanup(): void;
}

export function makeTempDir(prefix = 'jr-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function makeJobContext(
  jobName: string,
  settings: Record<string, unknown>,
  opts: {
    stateDir?: string;
    dryRun?: boolean;
    verbose?: boolean;
    signal?: AbortSignal;
    env?: Record<string, string>;
    runStartedAt?: Date;
    /** Jobs that succeeded earlier in the run (default none). */
    succeededThisRun?: string[];
  } = {},
): TestJobContext {
  const state = opts.stateDir ?? makeTempDir();
  fs.mkdirSync(state, { recursive: true, mode: 0o700 });
  const cache = path.join(state, 'cache');
  const runLogs = path.join(state, 'logs', 'test-run');
  fs.mkdirSync(cache, { recursive: true });
  fs.mkdirSync(runLogs, { recursive: true });
  const memory = new MemoryTransport();
  const logger = winston.createLogger({ level: 'debug', transports: [memory] }).child({ job: jobName });
  const progressCalls: TestJobContext['progressCalls'] = [];
  return {
    runId: 'test-run',
    runStartedAt: opts.runStartedAt ?? new Date(),
    jobName,
    settings: new Settings({ 'runner.state_dir': state, ...settings }, 'test'),
    logger,
    signal: opts.signal ?? new AbortController().signal,
    paths: { root: process.cwd(), state, cache, runLogs },
    dryRun: opts.dryRun ?? false,
    verbose: opts.verbose ?? false,
    progress: (done, total, what) => progressCalls.push({ done, total, what }),
    env: opts.env ?? {},
    prerequisitesRanThisRun: true,
    succeededThisRun: opts.succeededThisRun ?? [],
    logLines: memory.lines,
    progressCalls,
    cleanup: () => fs.rmSync(state, { recursive: true, force: true }),
  };
}
