/**
 * `job-runner night begin|end --run-id ID` and `job-runner task JOB --run-id ID`: the night split into
 * processes, one per Argo pod (orchestrator/night-modes.ts, docs/kubernetes.md).
 */
import { beginNight, endNight, runTask } from '../night-modes.js';
import { UsageError } from '../errors.js';
import { killAllCommandGroups } from '../../jobs/command.js';
import { type GlobalOptions, loadContext } from './context.js';

export interface NightCliOptions extends GlobalOptions {
  runId?: string;
  engineStatus?: string;
}

function base(opts: NightCliOptions) {
  if (!opts.runId) throw new UsageError('--run-id is required');
  const ctx = loadContext(opts);
  return {
    settings: ctx.settings,
    jobs: ctx.jobs,
    runId: opts.runId,
    env: ctx.env,
    root: ctx.root,
    verbose: opts.verbose ?? false,
  };
}

export async function nightBeginAction(opts: NightCliOptions): Promise<number> {
  return beginNight(base(opts));
}

export async function nightEndAction(opts: NightCliOptions): Promise<number> {
  if (!opts.engineStatus) throw new UsageError('--engine-status is required (Argo: {{workflow.status}})');
  return endNight({ ...base(opts), engineStatus: opts.engineStatus });
}

/** SIGTERM (Argo's activeDeadlineSeconds, a deleted pod) cancels the job: exit 130; a second signal exits now. */
export async function taskAction(job: string, opts: NightCliOptions): Promise<number> {
  const o = base(opts);
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`received ${sig}: cancelling ${job}\n`);
      controller.abort();
      return;
    }
    process.stderr.write(`received ${sig} again: killing command jobs and exiting now\n`);
    killAllCommandGroups();
    for (const fn of cleanups) {
      try {
        fn();
      } catch {
        // exiting anyway
      }
    }
    process.exit(130);
  };
  const signalNames: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signalNames) process.on(sig, onSignal);
  try {
    return await runTask({ ...o, job, signal: controller.signal, onCleanup: (fn) => cleanups.push(fn) });
  } finally {
    for (const sig of signalNames) process.off(sig, onSignal);
  }
}
