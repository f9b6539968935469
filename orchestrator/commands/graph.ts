/** `job-runner graph [--format mermaid|dot]`: the nightly plan as a picture (enabled jobs). */
import { buildGraph } from '../plan.js';
import { UsageError } from '../errors.js';
import { type GlobalOptions, loadContext } from './context.js';

export interface GraphOptions extends GlobalOptions {
  format?: string;
}

export function renderGraph(
  nodes: { name: string; stage: string }[],
  needs: Map<string, string[]>,
  after: Map<string, string[]>,
  format: 'mermaid' | 'dot',
): string[] {
  const id = (n: string) => n.replace(/[^A-Za-z0-9_]/g, '_');
  const lines: string[] = [];
  if (format === 'mermaid') {
    lines.push('flowchart LR');
    for (const n of nodes) lines.push(`  ${id(n.name)}["${n.name}<br/><small>${n.stage}</small>"]`);
    for (const n of nodes) {
      for (const p of needs.get(n.name) ?? []) lines.push(`  ${id(p)} --> ${id(n.name)}`);
      for (const p of after.get(n.name) ?? []) lines.push(`  ${id(p)} -.-> ${id(n.name)}`);
    }
  } else {
    lines.push('digraph night {', '  rankdir=LR;', '  node [shape=box];');
    for (const n of nodes) lines.push(`  "${n.name}" [label="${n.name}\\n${n.stage}"];`);
    for (const n of nodes) {
      for (const p of needs.get(n.name) ?? []) lines.push(`  "${p}" -> "${n.name}";`);
      for (const p of after.get(n.name) ?? []) lines.push(`  "${p}" -> "${n.name}" [style=dashed];`);
    }
    lines.push('}');
  }
  return lines;
}

export async function graphAction(opts: GraphOptions): Promise<number> {
  const format = opts.format ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'dot')
    throw new UsageError(`--format must be mermaid or dot, not "${format}"`);
  const ctx = loadContext(opts);
  const graph = buildGraph(ctx.jobs, ctx.settings);
  renderGraph(graph.enabled, graph.needs, graph.after, format).forEach((l) => ctx.out(l));
  return 0;
}
