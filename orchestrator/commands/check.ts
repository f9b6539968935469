/**
 * `job-runner check`: every problem `run` or `schedule` would refuse or fail on (runner keys, schedule,
 * toggles, plan, state dir, trust, history file, each enabled job's keys and rules); runs nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkProblems, checkTrust } from '../settings.js';
import { formatProblem } from '../errors.js';
import { isEnabled } from '../plan.js';
import { openHistory } from '../history.js';
import { historyPath } from '../state-paths.js';
import { type GlobalOptions, loadContext } from './context.js';
import { dipexWarnings } from '../../jobs/dipex.js';

export async function checkAction(opts: GlobalOptions): Promise<number> {
  const ctx = loadContext(opts);
  checkTrust([ctx.settings.source, ctx.stateDir]);
  const paths = {
    root: ctx.root,
    state: ctx.stateDir,
    cache: path.join(ctx.stateDir, 'cache'),
    runLogs: path.join(ctx.stateDir, 'logs'),
  };
  const problems = await checkProblems(ctx.settings, ctx.jobs, paths);
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
  if (problems.length) return 2;
  if (fs.existsSync(historyPath(ctx.stateDir)))
    openHistory(historyPath(ctx.stateDir), { readonly: true }).close();
  for (const w of dipexWarnings(ctx.settings, ctx.jobs)) process.stderr.write(`warning: ${w}\n`);
  const enabled = ctx.jobs.filter((j) => isEnabled(j, ctx.settings)).map((j) => j.name);
  ctx.out(
    `settings OK (${ctx.settings.source}): ${enabled.length} jobs enabled${enabled.length ? `: ${enabled.join(', ')}` : ''}`,
  );
  return 0;
}
