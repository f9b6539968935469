/** `job-runner check`: every settings problem (runner keys, toggles, plan, each enabled job); runs nothing. */
import { checkTrust, validateSettings } from '../settings.js';
import { formatProblem } from '../errors.js';
import { isEnabled } from '../plan.js';
import { type GlobalOptions, loadContext } from './context.js';
import { dipexWarnings } from '../../jobs/dipex.js';

export async function checkAction(opts: GlobalOptions): Promise<number> {
  const ctx = loadContext(opts);
  checkTrust([ctx.settings.source, ctx.stateDir]);
  const problems = validateSettings(ctx.settings, ctx.jobs);
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
  if (problems.length) return 2;
  for (const w of dipexWarnings(ctx.settings, ctx.jobs)) process.stderr.write(`warning: ${w}\n`);
  const enabled = ctx.jobs.filter((j) => isEnabled(j, ctx.settings)).map((j) => j.name);
  ctx.out(
    `settings OK (${ctx.settings.source}): ${enabled.length} jobs enabled${enabled.length ? `: ${enabled.join(', ')}` : ''}`,
  );
  return 0;
}
