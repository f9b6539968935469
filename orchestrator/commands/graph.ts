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

/** Drops edges implied by others (a → c when a → b → c) so the picture stays readable. */
export function reduceEdges(
  edges: Map<string, string[]>,
  needs: Map<string, string[]> = edges,
): Map<string, string[]> {
  const ancestors = new Map<string, Set<string>>();
  const anc = (n: string): Set<string> => {
    let set = ancestors.get(n);
    if (set) return set;
    set = new Set();
    ancestors.set(n, set);
    for (const p of needs.get(n) ?? []) {
      set.add(p);
      for (const a of anc(p)) set.add(a);
    }
    return set;
  };
  const out = new Map<string, string[]>();
  for (const [n, preds] of edges) {
    out.set(
      n,
      preds.filter((p) => !preds.some((q) => q !== p && anc(q).has(p))),
    );
  }
  return out;
}

export async function graphAction(opts: GraphOptions): Promise<number> {
  const format = opts.format ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'dot')
    throw new UsageError(`--format must be mermaid or dot, not "${format}"`);
  const ctx = loadContext(opts);
  const graph = buildGraph(ctx.jobs, ctx.settings);
  renderGraph(graph.enabled, reduceEdges(graph.needs), reduceEdges(graph.after, graph.needs), format).forEach(
    (l) => ctx.out(l),
  );
  return 0;
}
