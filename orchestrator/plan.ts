/**
 * The plan: which enabled jobs run and the edges between them (DESIGN §1). Pure: settings in, plan out.
 *
 * Edges come in two kinds:
 * - `needs`: the prerequisite must have SUCCEEDED, else the job is skipped naming it;
 * - `after`: order only (a job starts after the enabled jobs it `uses` have ended; a post job starts after every
 *   other job has ended, whatever its status, or, when it declares `uses`, after the imports and those jobs).
 */
import { closest, distance } from 'fastest-levenshtein';
import type { JobDefinition, Stage } from './job.js';
import type { Settings } from './settings-store.js';
import { toggleOn } from './setting-spec.js';
import { type Problem, SettingsProblemsError, UsageError } from './errors.js';
import { strictStagesSpec } from './runner-settings.js';

export interface PlanNode {
  def: JobDefinition;
  name: string;
  stage: Stage;
  /** Prerequisites that must succeed (within this plan). */
  needs: string[];
  /** Order-only predecessors (within this plan). */
  after: string[];
}

export interface Plan {
  nodes: PlanNode[];
  /** Enabled jobs not in this plan that selected jobs need (their last status is worth a warning). */
  outsideNeeds: { job: string; need: string }[];
  /** Jobs known but disabled (listed as `disabled` in a full run). */
  disabled: JobDefinition[];
  /** True when every enabled job is planned (a full nightly run). */
  full: boolean;
}

export interface PlanRequest {
  /** Job or stage names; empty/absent = the whole night. */
  select?: readonly string[];
  /** Also run the selected jobs' prerequisites (transitively). */
  withDeps?: boolean;
}

export const stageAliases: Record<string, Stage> = {
  pre: 'pre',
  imports: 'import',
  import: 'import',
  prepare: 'prepare',
  exports: 'export',
  export: 'export',
  reports: 'report',
  report: 'report',
  post: 'post',
};

export function isEnabled(def: JobDefinition, settings: Settings): boolean {
  if (def.enabled) return def.enabled(settings);
  return def.toggle.some((key) => toggleOn(settings.get(key)));
}

interface Graph {
  enabled: JobDefinition[];
  needs: Map<string, string[]>;
  after: Map<string, string[]>;
  problems: Problem[];
}

function toggleHint(def: JobDefinition): string {
  return def.toggle.length ? `turn on ${def.toggle.join(' or ')}` : 'enable it';
}

function declaredNeeds(def: JobDefinition, settings: Settings): string[] {
  try {
    return def.needs ? [...new Set(def.needs(settings))] : [];
  } catch (err) {
    return [`?${err instanceof Error ? err.message : String(err)}`];
  }
}

/** Jobs a definition `uses` (optional prerequisites); a throwing `uses` means none. */
function usedJobs(def: JobDefinition, settings: Settings): string[] {
  try {
    return def.uses ? [...new Set(def.uses(settings))] : [];
  } catch {
    return [];
  }
}

/** Every enabled job and its edges, with problems (unknown/disabled/informational prerequisites, duplicates, cycles). */
export function buildGraph(jobs: readonly JobDefinition[], settings: Settings): Graph {
  const problems: Problem[] = [];
  const byName = new Map<string, JobDefinition>();
  for (const def of jobs) {
    if (byName.has(def.name)) {
      problems.push({ job: def.name, key: 'runner.jobs', message: `duplicate job name "${def.name}"` });
      continue;
    }
    byName.set(def.name, def);
  }
  const enabled = [...byName.values()].filter((d) => isEnabled(d, settings));
  const enabledNames = new Set(enabled.map((d) => d.name));
  const strict = (() => {
    try {
      return settings.value(strictStagesSpec);
    } catch {
      return false;
    }
  })();
  const gates = enabled.filter((d) => d.stage === 'pre' && !d.informational).map((d) => d.name);
  const imports = enabled.filter((d) => d.stage === 'import').map((d) => d.name);
  const prepares = enabled.filter((d) => d.stage === 'prepare').map((d) => d.name);
  const needs = new Map<string, string[]>();
  const after = new Map<string, string[]>();
  for (const def of enabled) {
    const own = declaredNeeds(def, settings);
    for (const need of own) {
      const key = def.toggle[0] ?? `runner.jobs.${def.name}.needs`;
      if (need.startsWith('?')) {
        problems.push({ job: def.name, key, message: `cannot compute prerequisites: ${need.slice(1)}` });
        continue;
      }
      const target = byName.get(need);
      if (!target) {
        const near = closestNames(need, [...byName.keys()]);
        problems.push({
          job: def.name,
          key,
          message: `needs unknown job "${need}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`,
        });
      } else if (!enabledNames.has(need)) {
        problems.push({
          job: def.name,
          key,
          message: `needs ${need}, which is disabled: ${toggleHint(target)}`,
        });
      } else if (target.informational) {
        problems.push({
          job: def.name,
          key,
          message: `needs ${need}, which is informational and can never be a prerequisite`,
        });
      }
    }
    const set = new Set(own.filter((n) => enabledNames.has(n) && !byName.get(n)!.informational));
    if (set.has(def.name)) {
      problems.push({
        job: def.name,
        key: def.toggle[0] ?? 'runner.jobs',
        message: `prerequisites form a cycle: ${def.name} → ${def.name}`,
      });
    }
    if (def.stage === 'import') {
      gates.forEach((g) => set.add(g));
      const i = imports.indexOf(def.name);
      if (i > 0) set.add(imports[i - 1]!);
    } else if (def.stage === 'prepare' || def.stage === 'export' || def.stage === 'report') {
      imports.forEach((n) => set.add(n));
      if (strict && def.stage !== 'prepare') prepares.forEach((n) => set.add(n));
    }
    needs.set(
      def.name,
      enabled.map((d) => d.name).filter((n) => set.has(n) && n !== def.name),
    );
    const used = usedJobs(def, settings).filter(
      (n) => n !== def.name && enabledNames.has(n) && !byName.get(n)!.informational && !set.has(n),
    );
    after.set(
      def.name,
      def.stage !== 'post'
        ? used
        : def.uses
          ? [...new Set([...imports, ...used])]
          : enabled.filter((d) => d.stage !== 'post' || d.uses).map((d) => d.name),
    );
  }
  if (problems.length === 0) {
    const cycle = findCycle(
      enabled.map((d) => d.name),
      (n) => [...needs.get(n)!, ...after.get(n)!],
    );
    if (cycle) {
      problems.push({
        job: cycle[0]!,
        key: byName.get(cycle[0]!)!.toggle[0] ?? 'runner.jobs',
        message: `prerequisites form a cycle: ${cycle.join(' → ')}`,
      });
    }
  }
  return { enabled, needs, after, problems };
}

/** Returns one cycle as a path [a, b, …, a], or undefined. */
export function findCycle(nodes: readonly string[], preds: (n: string) => string[]): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const p of preds(n)) {
      if (state.get(p) === 1) return [...stack.slice(stack.indexOf(p)), p].reverse();
      if (!state.has(p)) {
        const found = visit(p);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return undefined;
}

export function planProblems(jobs: readonly JobDefinition[], settings: Settings): Problem[] {
  return buildGraph(jobs, settings).problems;
}

/** Up to three known names closest to an unknown one. */
export function closestNames(name: string, known: readonly string[]): string[] {
  if (known.length === 0) return [];
  const best = closest(name, [...known]);
  return [...known]
    .map((k) => ({ k, d: distance(name, k) }))
    .filter(({ k, d }) => d <= Math.max(3, Math.floor(name.length / 2)) || k === best || k.includes(name))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ k }) => k);
}

/** Resolves job and stage names to enabled job names; UsageError (exit 2) naming the closest names. */
export function resolveSelection(
  select: readonly string[],
  graph: Graph,
  jobs: readonly JobDefinition[],
): string[] {
  const out: string[] = [];
  const enabledNames = new Set(graph.enabled.map((d) => d.name));
  for (const name of select) {
    const stage = stageAliases[name];
    const def = jobs.find((d) => d.name === name);
    if (def) {
      if (!enabledNames.has(name))
        throw new UsageError(`job ${name} is disabled in the settings: ${toggleHint(def)}`);
      out.push(name);
    } else if (stage) {
      out.push(...graph.enabled.filter((d) => d.stage === stage).map((d) => d.name));
    } else {
      const near = closestNames(name, [
        ...jobs.map((d) => d.name),
        'imports',
        'prepare',
        'exports',
        'reports',
      ]);
      throw new UsageError(`unknown job "${name}"${near.length ? `; closest: ${near.join(', ')}` : ''}`);
    }
  }
  return [...new Set(out)];
}

/** Builds the plan for a request. Throws SettingsProblemsError for plan problems, UsageError for bad names. */
export function buildPlan(
  jobs: readonly JobDefinition[],
  settings: Settings,
  request: PlanRequest = {},
): Plan {
  const graph = buildGraph(jobs, settings);
  if (graph.problems.length) throw new SettingsProblemsError(graph.problems);
  const full = !request.select || request.select.length === 0;
  let chosen = new Set(
    full ? graph.enabled.map((d) => d.name) : resolveSelection(request.select!, graph, jobs),
  );
  if (!full && request.withDeps) {
    const queue = [...chosen];
    while (queue.length) {
      for (const need of graph.needs.get(queue.pop()!)!) {
        if (!chosen.has(need)) {
          chosen.add(need);
          queue.push(need);
        }
      }
    }
  }
  // keep catalogue order
  chosen = new Set(graph.enabled.map((d) => d.name).filter((n) => chosen.has(n)));
  const nodes: PlanNode[] = graph.enabled
    .filter((d) => chosen.has(d.name))
    .map((def) => ({
      def,
      name: def.name,
      stage: def.stage,
      needs: graph.needs.get(def.name)!.filter((n) => chosen.has(n)),
      after: graph.after.get(def.name)!.filter((n) => chosen.has(n)),
    }));
  const outsideNeeds = nodes.flatMap((n) =>
    graph.needs
      .get(n.name)!
      .filter((need) => !chosen.has(need))
      .map((need) => ({ job: n.name, need })),
  );
  const disabled = full ? jobs.filter((d) => !graph.enabled.includes(d)) : [];
  return { nodes, outsideNeeds, disabled, full };
}
