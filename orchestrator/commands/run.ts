/** `job-runner run [JOB...] [--with-deps] [--resume] [--dry-run]`. */
import { cleanUpBeforeExit, runJobs } from '../run-night.js';
import { summaryLines } from '../status-table.js';
import { coloursFor } from '../terminal/colour.js';
import type { GlobalOptions } from './context.js';
import { loadContext } from './context.js';
import { UsageError } from '../errors.js';
import { killAllCommandGroups } from '../../jobs/command.js';
import { dipexWarnings, resolveDipexName } from '../../jobs/dipex.js';
import { stageAliases } from '../plan.js';
import type { JobDefinition } from '../job.js';

/** DIPEX job names (the `job-runner.sh JOB` habit) → this runner's counterpart, said aloud; or a UsageError. */
function translateDipexNames(names: string[], jobs: readonly JobDefinition[]): string[] {
  return names.map((name) => {
    if (stageAliases[name] || jobs.some((j) => j.name === name)) return name;
    const r = resolveDipexName(name, jobs);
    if (r.kind === 'none') throw new UsageError(r.message);
    if (r.kind === 'counterpart') {
      process.stderr.write(`${r.note}\n`);
      return r.name;
    }
    return name;
  });
}

export interface RunCommandOptions extends GlobalOptions {
  withDeps?: boolean;
  resume?: boolean;
  dryRun?: boolean;
}

export async function runAction(jobNames: string[], opts: RunCommandOptions): Promise<number> {
  if (opts.resume && jobNames.length)
    throw new UsageError("--resume reruns the last run's unfinished jobs; give no job names with it");
  if (opts.withDeps && jobNames.length === 0) throw new UsageError('--with-deps needs at least one job name');
  const ctx = loadContext(opts);
  const select = translateDipexNames(jobNames, ctx.jobs);
  for (const w of dipexWarnings(ctx.settings, ctx.jobs)) process.stderr.write(`warning: ${w}\n`);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (sig === 'SIGHUP') {
      // the terminal is gone: writes to it fail with EIO/EPIPE, which must not crash the runner
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    }
    if (signals === 1) {
      process.stderr.write(`received ${sig}: cancelling running jobs\n`);
      controller.abort();
    } else {
      process.stderr.write(`received ${sig} again: killing command jobs and exiting now\n`);
      killAllCommandGroups();
      cleanUpBeforeExit();
      process.exit(130);
    }
  };
  // SIGHUP: the ssh session of a manual run dropped; cancel like SIGTERM
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signalNames) process.on(sig, onSignal);
  try {
    const summary = await runJobs({
      settings: ctx.settings,
      jobs: ctx.jobs,
      select,
      withDeps: opts.withDeps ?? false,
      resume: opts.resume ?? false,
      dryRun: opts.dryRun ?? false,
      verbose: opts.verbose ?? false,
      trigger: opts.resume ? 'resume' : 'cli',
      signal: controller.signal,
      env: ctx.env,
      root: ctx.root,
    });
    if (summary.runId) {
      const colours = coloursFor(process.stdout, ctx.env);
      process.stdout.write('\n' + summaryLines(summary, ctx.settings, { colours }).join('\n') + '\n');
    }
    return summary.exitCode;
  } finally {
    for (const sig of signalNames) process.off(sig, onSignal);
  }
}
