/** `job-runner status [--run ID] [--json]`: the last (or a given) run, one line per job with its log path. */
import fs from 'node:fs';
import { openHistory, type JobRunRow, type RunRow } from '../history.js';
import { historyPath } from '../state-paths.js';
import { liveHolder, pidAlive } from '../lock.js';
import { UsageError } from '../errors.js';
import { type GlobalOptions, loadContext } from './context.js';
import { describeRun, formatTime, statusLines } from '../status-table.js';
import { coloursFor } from '../terminal/colour.js';
import { listenerLines, readListenerStatus } from '../listener-status.js';

export interface StatusOptions extends GlobalOptions {
  run?: string;
  json?: boolean;
  wide?: boolean;
}

const HEARTBEAT_FRESH_MS = 2 * 60_000;

export function statusJson(run: RunRow | undefined, jobs: JobRunRow[]) {
  return {
    run: run
      ? { id: run.id, status: run.status, started: run.started, finished: run.finished, trigger: run.trigger }
      : null,
    jobs: jobs.map((j) => ({
      name: j.name,
      stage: j.stage,
      status: j.status,
      started: j.started,
      finished: j.finished,
      duration_ms: j.durationMs,
      message: j.message,
      log: j.log,
    })),
  };
}

export async function statusAction(opts: StatusOptions): Promise<number> {
  const ctx = loadContext(opts);
  const file = historyPath(ctx.stateDir);
  const listener = readListenerStatus(ctx.stateDir);
  if (!fs.existsSync(file)) {
    if (opts.json)
      ctx.out(JSON.stringify({ ...statusJson(undefined, []), ...(listener ? { listener } : {}) }));
    else {
      ctx.out(`no runs yet (state dir ${ctx.stateDir})`);
      if (listener) listenerLines(listener).forEach((l) => ctx.out(l));
    }
    return 0;
  }
  const history = openHistory(file, { readonly: true });
  try {
    const run = opts.run ? history.getRun(opts.run) : history.lastRun();
    if (opts.run && !run) throw new UsageError(`no such run: ${opts.run} (see job-runner history)`);
    const jobs = run ? history.jobsOfRun(run.id) : [];
    const hb = history.getHeartbeat();
    const scheduled =
      hb && Date.now() - Date.parse(hb.at) < HEARTBEAT_FRESH_MS && pidAlive(hb.pid) && hb.nextRunAt
        ? hb.nextRunAt
        : undefined;
    if (opts.json) {
      ctx.out(JSON.stringify({ ...statusJson(run, jobs), ...(listener ? { listener } : {}) }, null, 2));
      return 0;
    }
    if (!run) ctx.out('no runs yet');
    else {
      const t = (iso: string | null) => formatTime(iso, ctx.settings);
      const gone = run.status === 'running' && liveHolder(ctx.stateDir)?.runId !== run.id;
      ctx.out(
        `run ${run.id} (${describeRun(run)}): ${run.status}${gone ? ` (but its runner is gone: run.lock holds no live lease for it)` : ''}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}, ` +
          `started ${t(run.started)}${run.finished ? `, finished ${t(run.finished)}` : ''}`,
      );
      const colours = coloursFor(process.stdout, ctx.env);
      statusLines(jobs, ctx.settings, { wide: opts.wide, colours }).forEach((l) => ctx.out(l));
    }
    if (listener) listenerLines(listener).forEach((l) => ctx.out(l));
    if (scheduled)
      ctx.out(`next scheduled run: ${formatTime(scheduled, ctx.settings)} (schedule daemon pid ${hb!.pid})`);
    return 0;
  } finally {
    history.close();
  }
}
