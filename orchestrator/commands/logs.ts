/**
 * `job-runner logs JOB [--run ID] [--follow]`: a job's log from the last (or a given) run. With `--follow`,
 * a job still pending in the running night is waited for, then followed until it ends.
 */
import fs from 'node:fs';
import { openHistory, type History, type JobRunRow } from '../history.js';
import { historyPath } from '../state-paths.js';
import { pidAlive } from '../lock.js';
import { UsageError } from '../errors.js';
import { unknownJobError } from './names.js';
import { type GlobalOptions, loadContext } from './context.js';

export interface LogsOptions extends GlobalOptions {
  run?: string;
  follow?: boolean;
}

const POLL_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job's row in the run that is running now, if that run plans it. */
function inRunningRun(history: History, job: string): JobRunRow | undefined {
  const run = history.lastRun();
  if (!run || run.status !== 'running' || (run.pid !== null && !pidAlive(run.pid))) return undefined;
  return history.jobsOfRun(run.id).find((j) => j.name === job);
}

export async function logsAction(job: string, opts: LogsOptions): Promise<number> {
  const ctx = loadContext(opts);
  if (!ctx.jobs.some((j) => j.name === job)) throw unknownJobError(job, ctx.jobs);
  const file = historyPath(ctx.stateDir);
  if (!fs.existsSync(file)) throw new UsageError('no runs yet');
  const history = openHistory(file, { readonly: true });
  try {
    if (opts.run && !history.getRun(opts.run))
      throw new UsageError(`no such run: ${opts.run} (see job-runner history)`);
    let row = opts.run
      ? history.jobsOfRun(opts.run).find((j) => j.name === job)
      : ((opts.follow ? inRunningRun(history, job) : undefined) ??
        history.jobHistory(job, 20).find((j) => j.log));
    if (!row)
      throw new UsageError(
        opts.run ? `job ${job} did not take part in run ${opts.run}` : `job ${job} has no log yet`,
      );
    const runId = row.runId;
    const current = () => history.jobsOfRun(runId).find((j) => j.name === job);
    const runGoing = () => {
      const run = history.getRun(runId);
      return !!run && run.status === 'running' && (run.pid === null || pidAlive(run.pid));
    };
    if (row.status === 'pending' && opts.follow) {
      process.stderr.write(`waiting for ${job} to start in run ${runId} (it is pending)\n`);
      while (row.status === 'pending' && runGoing()) {
        await sleep(POLL_MS);
        row = current() ?? row;
      }
      if (!row.log) {
        process.stderr.write(
          `${job} did not start in run ${runId}: ${row.status}${row.message ? ` (${row.message})` : ''}\n`,
        );
        return 0;
      }
    }
    const log = row.log;
    if (!log || (!fs.existsSync(log) && !(opts.follow && runGoing())))
      throw new UsageError(`job ${job} wrote no log in run ${runId}`);
    let pos = 0;
    const drain = () => {
      const size = fs.existsSync(log) ? fs.statSync(log).size : 0;
      if (size > pos) {
        const fd = fs.openSync(log, 'r');
        const buf = Buffer.alloc(size - pos);
        fs.readSync(fd, buf, 0, buf.length, pos);
        fs.closeSync(fd);
        process.stdout.write(buf);
        pos = size;
      }
    };
    drain();
    if (!opts.follow) return 0;
    for (;;) {
      const now = current();
      const done = !runGoing() || (now && !['running', 'pending'].includes(now.status));
      await sleep(POLL_MS);
      drain();
      if (done) return 0;
    }
  } finally {
    history.close();
  }
}
