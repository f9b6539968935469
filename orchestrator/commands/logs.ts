/** `job-runner logs JOB [--run ID] [--follow]`: a job's log from the last (or a given) run. */
import fs from 'node:fs';
import { openHistory } from '../history.js';
import { historyPath } from '../state-paths.js';
import { UsageError } from '../errors.js';
import { type GlobalOptions, loadContext } from './context.js';

export interface LogsOptions extends GlobalOptions {
  run?: string;
  follow?: boolean;
}

export async function logsAction(job: string, opts: LogsOptions): Promise<number> {
  const ctx = loadContext(opts);
  if (!ctx.jobs.some((j) => j.name === job))
    throw new UsageError(`unknown job "${job}" (see job-runner list)`);
  const file = historyPath(ctx.stateDir);
  if (!fs.existsSync(file)) throw new UsageError('no runs yet');
  const history = openHistory(file, { readonly: true });
  try {
    const row = opts.run
      ? history.jobsOfRun(opts.run).find((j) => j.name === job)
      : history.jobHistory(job, 20).find((j) => j.log);
    if (!row)
      throw new UsageError(
        opts.run ? `job ${job} did not take part in run ${opts.run}` : `job ${job} has no log yet`,
      );
    if (!row.log || !fs.existsSync(row.log))
      throw new UsageError(`job ${job} wrote no log in run ${row.runId}`);
    let pos = 0;
    const drain = () => {
      const size = fs.statSync(row.log!).size;
      if (size > pos) {
        const fd = fs.openSync(row.log!, 'r');
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
      const run = history.getRun(row.runId);
      const current = history.jobsOfRun(row.runId).find((j) => j.name === job);
      const done =
        !run || run.status !== 'running' || (current && !['running', 'pending'].includes(current.status));
      await new Promise((r) => setTimeout(r, 500));
      drain();
      if (done) return 0;
    }
  } finally {
    history.close();
  }
}
