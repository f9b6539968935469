/**
 * `job-runner k8s check DIR` (specs/hosting.md §6 D3): every object of a bundle parses, passes the
 * kubernetes-models / @kubernetes-models/argo-workflows schemas (when those development packages are installed),
 * and passes the rules the schemas cannot express: DNS-1123 names, label values, `depends` grammar and targets,
 * an acyclic DAG, mounts with volumes, explicit commands and container names, 5-field numeric schedules,
 * `failFast: false`, `concurrencyPolicy: Forbid`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { k8sCronProblem } from './schedule.js';

export interface CheckResult {
  problems: string[];
  objects: number;
  /** False when the schema packages are not installed (a production install): only our rules ran. */
  schemaValidated: boolean;
}

type Obj = Record<string, unknown>;
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const TASK = /^[a-zA-Z0-9][-a-zA-Z0-9]*$/;
const RESULTS = new Set([
  'Succeeded',
  'Failed',
  'Errored',
  'Skipped',
  'Omitted',
  'Daemoned',
  'AnySucceeded',
  'AllFailed',
]);

/** Task names a `depends` expression refers to; throws an Error naming the first grammar problem. */
export function dependsTargets(expr: string): string[] {
  const tokens =
    expr.match(/\s*(\(|\)|&&|\|\||!|[A-Za-z0-9][-A-Za-z0-9]*(?:\.[A-Za-z]+)?|\S)/g)?.map((t) => t.trim()) ??
    [];
  let i = 0;
  const names: string[] = [];
  const peek = () => tokens[i];
  const expr_ = (): void => {
    term();
    while (peek() === '||') {
      i++;
      term();
    }
  };
  const term = (): void => {
    factor();
    while (peek() === '&&') {
      i++;
      factor();
    }
  };
  const factor = (): void => {
    const t = tokens[i++];
    if (t === '!') return factor();
    if (t === '(') {
      expr_();
      if (tokens[i++] !== ')') throw new Error(`unbalanced parentheses in "${expr}"`);
      return;
    }
    if (!t || !/^[A-Za-z0-9]/.test(t)) throw new Error(`unexpected "${t ?? 'end'}" in "${expr}"`);
    const [name, result] = t.split('.');
    if (result !== undefined && !RESULTS.has(result))
      throw new Error(`unknown result .${result} in "${expr}"`);
    names.push(name!);
  };
  expr_();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in "${expr}"`);
  return names;
}

function labelProblems(where: string, labels: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') out.push(`${where}: label ${k} is not a string`);
    else if (!v.includes('{{') && (v.length > 63 || !LABEL_VALUE.test(v)))
      out.push(`${where}: label ${k} value "${v}" is not a valid label value (≤ 63 characters)`);
  }
  return out;
}

interface Container {
  name?: unknown;
  command?: unknown;
  volumeMounts?: { name?: unknown }[];
}

function containerProblems(where: string, c: Container | undefined, volumes: Set<string>): string[] {
  if (!c) return [];
  const out: string[] = [];
  if (typeof c.name !== 'string' || !c.name) out.push(`${where}: container has no name`);
  if (!Array.isArray(c.command) || c.command.length === 0)
    out.push(`${where}: container has no explicit command (the executor would guess it from the image)`);
  for (const m of c.volumeMounts ?? [])
    if (!volumes.has(String(m.name))) out.push(`${where}: volumeMount ${String(m.name)} has no volume`);
  return out;
}

const volumeNames = (spec: Obj | undefined): Set<string> =>
  new Set(((spec?.volumes as { name?: unknown }[] | undefined) ?? []).map((v) => String(v.name)));

function cronWorkflowProblems(where: string, obj: Obj): string[] {
  const out: string[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  if ('schedule' in spec)
    out.push(`${where}: spec.schedule (singular) was removed in Argo v4; use schedules`);
  const schedules = spec.schedules;
  if (!Array.isArray(schedules) || schedules.length === 0) out.push(`${where}: spec.schedules is missing`);
  else
    for (const s of schedules) {
      const p = k8sCronProblem(String(s));
      if (p) out.push(`${where}: schedules: ${p}`);
    }
  if (spec.concurrencyPolicy !== 'Forbid')
    out.push(`${where}: concurrencyPolicy must be Forbid (one night at a time)`);
  const wf = (spec.workflowSpec ?? {}) as Obj;
  const volumes = volumeNames(wf);
  const templates = (wf.templates as Obj[] | undefined) ?? [];
  const templateNames = new Set(templates.map((t) => String(t.name)));
  for (const ref of [wf.entrypoint, wf.onExit])
    if (ref !== undefined && !templateNames.has(String(ref)))
      out.push(`${where}: template ${String(ref)} does not exist`);
  for (const t of templates) {
    const tw = `${where}: template ${String(t.name)}`;
    out.push(...containerProblems(tw, t.container as Container | undefined, volumes));
    out.push(...labelProblems(tw, (t.metadata as Obj | undefined)?.labels));
    const dag = t.dag as { failFast?: unknown; tasks?: Obj[] } | undefined;
    if (!dag) continue;
    if (dag.failFast !== false)
      out.push(`${tw}: dag.failFast must be false (a failed job must not stop unrelated ones)`);
    const tasks = dag.tasks ?? [];
    const names = new Set(tasks.map((x) => String(x.name)));
    const edges = new Map<string, string[]>();
    for (const task of tasks) {
      const name = String(task.name);
      if (!TASK.test(name) || name.length > 63)
        out.push(`${tw}: task name "${name}" is not allowed (letters, digits and -)`);
      if (!templateNames.has(String(task.template)))
        out.push(`${tw}: task ${name} uses unknown template ${String(task.template)}`);
      let targets: string[] = [];
      if (task.depends !== undefined) {
        try {
          targets = dependsTargets(String(task.depends));
        } catch (err) {
          out.push(`${tw}: task ${name}: depends: ${(err as Error).message}`);
        }
      }
      for (const d of targets)
        if (!names.has(d)) out.push(`${tw}: task ${name} depends on unknown task ${d}`);
      edges.set(
        name,
        targets.filter((d) => names.has(d)),
      );
    }
    const cycle = findCycle(edges);
    if (cycle) out.push(`${tw}: the DAG has a cycle: ${cycle.join(' → ')}`);
  }
  return out;
}

function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

function podSpecProblems(where: string, pod: Obj | undefined): string[] {
  if (!pod) return [`${where}: no pod template`];
  const volumes = volumeNames(pod);
  return ((pod.containers as Container[] | undefined) ?? []).flatMap((c) =>
    containerProblems(where, c, volumes),
  );
}

/** Our rules for one object. */
export function semanticProblems(where: string, obj: Obj): string[] {
  const out: string[] = [];
  const meta = (obj.metadata ?? {}) as Obj;
  const name = String(meta.name ?? '');
  if (!DNS1123.test(name) || name.length > 63)
    out.push(`${where}: metadata.name "${name}" is not a DNS-1123 name of ≤ 63 characters`);
  out.push(...labelProblems(where, meta.labels));
  const spec = (obj.spec ?? {}) as Obj;
  if (obj.kind === 'CronWorkflow') out.push(...cronWorkflowProblems(where, obj));
  if (obj.kind === 'CronJob') {
    const p = k8sCronProblem(String(spec.schedule ?? ''));
    if (p) out.push(`${where}: schedule: ${p}`);
    if (spec.concurrencyPolicy !== 'Forbid')
      out.push(`${where}: concurrencyPolicy must be Forbid (one night at a time)`);
    const job = ((spec.jobTemplate as Obj | undefined)?.spec ?? {}) as Obj;
    out.push(...podSpecProblems(where, (job.template as Obj | undefined)?.spec as Obj | undefined));
  }
  if (obj.kind === 'Deployment')
    out.push(...podSpecProblems(where, (spec.template as Obj | undefined)?.spec as Obj | undefined));
  return out;
}

type Validator = (obj: Obj) => void;

const OPTIONAL_SCHEMA_MODULES = [
  '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1',
  'kubernetes-models/v1',
  'kubernetes-models/apps/v1',
  'kubernetes-models/batch/v1',
  'kubernetes-models/rbac.authorization.k8s.io/v1',
];

/** The schema validators of the pinned model packages, or undefined when they are not installed. */
async function schemaValidators(): Promise<Map<string, Validator> | undefined> {
  try {
    // Development dependencies (specs/hosting.md §6): absent from a production install, so loaded by name and
    // only when present; the renderer and the tests import their types statically.
    type Models = Record<string, new (o: never) => { validate(): void }>;
    const [argo, core, apps, batch, rbac] = (await Promise.all(
      OPTIONAL_SCHEMA_MODULES.map((name) => import(name) as Promise<Models>),
    )) as [Models, Models, Models, Models, Models];
    const v =
      (C: new (o: never) => { validate(): void }): Validator =>
      (o) =>
        new C(o as never).validate();
    return new Map<string, Validator>([
      ['CronWorkflow', v(argo.CronWorkflow!)],
      ['ServiceAccount', v(core.ServiceAccount!)],
      ['PersistentVolumeClaim', v(core.PersistentVolumeClaim!)],
      ['ConfigMap', v(core.ConfigMap!)],
      ['Deployment', v(apps.Deployment!)],
      ['CronJob', v(batch.CronJob!)],
      ['Role', v(rbac.Role!)],
      ['RoleBinding', v(rbac.RoleBinding!)],
    ]);
  } catch {
    return undefined;
  }
}

/** Checks the objects of YAML texts (file name → text). */
export async function checkTexts(files: Map<string, string>): Promise<CheckResult> {
  const validators = await schemaValidators();
  const problems: string[] = [];
  let objects = 0;
  const kustomization = files.get('kustomization.yaml');
  for (const [file, text] of files) {
    if (!file.endsWith('.yaml') || file === 'kustomization.yaml') continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        problems.push(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
        continue;
      }
      const obj = doc.toJS() as Obj | null;
      if (!obj) continue;
      objects++;
      const where = `${file}: ${String(obj.kind)}/${String((obj.metadata as Obj | undefined)?.name ?? '?')}`;
      const validate = validators?.get(String(obj.kind));
      if (validators && !validate) problems.push(`${where}: unexpected kind`);
      try {
        validate?.(obj);
      } catch (err) {
        problems.push(`${where}: schema: ${String((err as Error).message).split('\n')[0]}`);
      }
      problems.push(...semanticProblems(where, obj));
    }
    if (kustomization !== undefined && !kustomization.includes(`- ${file}`))
      problems.push(`kustomization.yaml does not list ${file}`);
  }
  return { problems, objects, schemaValidated: validators !== undefined };
}

export async function checkBundleDir(dir: string): Promise<CheckResult> {
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(dir).sort())
    if (f.endsWith('.yaml')) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  if (!files.has('kustomization.yaml'))
    return { problems: [`${dir}: no kustomization.yaml`], objects: 0, schemaValidated: false };
  return checkTexts(files);
}
