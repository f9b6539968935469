/** `job-runner list [--json]`: every job with stage, enabled, prerequisites and toggle. Imports no job code. */
import { buildGraph, isEnabled } from '../plan.js';
import { type GlobalOptions, loadContext, table } from './context.js';
import { dipexWarnings } from '../../jobs/dipex.js';

export interface ListOptions extends GlobalOptions {
  json?: boolean;
  wide?: boolean;
}

export async function listAction(opts: ListOptions): Promise<number> {
  const ctx = loadContext(opts);
  const graph = buildGraph(ctx.jobs, ctx.settings);
  const items = ctx.jobs.map((def) => ({
    name: def.name,
    stage: def.stage,
    enabled: isEnabled(def, ctx.settings),
    needs: graph.needs.get(def.name) ?? [],
    toggle: def.toggle,
    informational: def.informational === true,
    description: def.description,
  }));
  if (opts.json) {
    ctx.out(JSON.stringify(items, null, 2));
    return 0;
  }
  const rows = [['JOB', 'STAGE', 'ENABLED', 'NEEDS', 'TOGGLE']];
  for (const i of items) {
    rows.push([
      i.name,
      i.stage + (i.informational ? ' (info)' : ''),
      i.enabled ? 'yes' : 'no',
      i.needs.join(', ') || '-',
      i.toggle.join(' | '),
    ]);
  }
  table(rows, { wrap: [0, 3, 4], wide: opts.wide }).forEach((l) => ctx.out(l));
  for (const p of graph.problems)
    process.stderr.write(`warning: ${p.job ? `${p.job}: ` : ''}${p.key}: ${p.message}\n`);
  for (const w of dipexWarnings(ctx.settings, ctx.jobs)) process.stderr.write(`warning: ${w}\n`);
  return 0;
}
