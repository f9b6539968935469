/**
 * A small Argo Workflows simulator for the split proof (specs/hosting.md A8/A9): reads a rendered bundle's
 * CronWorkflow and ConfigMap and executes one workflow of it on this machine, each task as a separate
 * `node bin/job-runner` process, against one shared state dir.
 *
 * What it models of Argo (docs/enhanced-depends-logic.md, dag.md, daemon-containers, exit-handlers):
 * - a task is considered once every task its `depends` names has completed (a daemon counts once Daemoned);
 *   `depends` true → the task runs, false → Omitted; at most `parallelism` task processes at once;
 * - results: exit 0 = Succeeded, any other exit = Failed; the anchor (a daemon) is a no-op counted Daemoned;
 * - `activeDeadlineSeconds` of a template: SIGTERM at the deadline, SIGKILL 5 s later, the task Failed;
 * - the workflow is Failed if any task Failed (failFast: false lets the other branches run), then `onExit` runs
 *   with `{{workflow.status}}`;
 * - `argo retry`: Failed and Omitted tasks run again with the same workflow name, Succeeded ones are kept.
 * Container args and env come from the templates with `{{…}}` substituted; secretKeyRefs are resolved from a
 * map; `/state` is remapped to a temp dir and the ConfigMap's settings.json is written with that state dir.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { bin } from '../cli/spawn-cli.js';

type Phase = 'Succeeded' | 'Failed' | 'Omitted' | 'Daemoned' | 'Skipped' | 'Errored';

export interface SimTaskResult {
  phase: Phase;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The command line (after `job-runner`). */
  args: string[];
}

export interface SimResult {
  workflowName: string;
  phase: 'Succeeded' | 'Failed';
  tasks: Map<string, SimTaskResult>;
  onExit?: SimTaskResult;
  /** Task processes launched, and the most that ran at the same time. */
  launched: number;
  maxParallel: number;
  daemoned: number;
  /** The remapped settings file and state dir (for `status --settings …`). */
  settingsFile: string;
  stateDir: string;
}

export interface SimOptions {
  /** The rendered bundle directory (cronworkflow.yaml, configmap.yaml). */
  bundleDir: string;
  /** Stands in for the PVC mounted at /state. */
  stateRoot: string;
  /** Secret name → key → value, for secretKeyRefs. */
  secrets: Record<string, Record<string, string>>;
  workflowName: string;
  /** Default 2 (the machine has 2 cores), capped by the workflow's own parallelism. */
  parallelism?: number;
  /** `argo retry`: the earlier result of the same workflow; its Succeeded tasks are kept. */
  retryOf?: SimResult;
}

interface Template {
  name: string;
  daemon?: boolean;
  activeDeadlineSeconds?: string | number;
  inputs?: { parameters?: { name: string }[] };
  container?: {
    command: string[];
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  };
  dag?: { failFast?: boolean; tasks: DagTask[] };
}

interface DagTask {
  name: string;
  template: string;
  depends?: string;
  arguments?: { parameters?: { name: string; value: string }[] };
}

const FINAL: Phase[] = ['Succeeded', 'Failed', 'Omitted', 'Skipped', 'Errored', 'Daemoned'];

/** Names a `depends` expression refers to. */
function dependencyNames(expr: string | undefined): string[] {
  if (!expr) return [];
  return [...new Set([...expr.matchAll(/([A-Za-z0-9-]+)\.[A-Za-z]+/g)].map((m) => m[1]!))];
}

/** Evaluates `depends` (names with `.Result`, `&&`, `||`, `!`, parentheses) against the task phases. */
export function evalDepends(expr: string, phases: Map<string, Phase>): boolean {
  const tokens = expr.match(/&&|\|\||!|\(|\)|[A-Za-z0-9-]+\.[A-Za-z]+/g) ?? [];
  let i = 0;
  const primary = (): boolean => {
    const t = tokens[i++];
    if (t === '!') return !primary();
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error(`unbalanced parentheses in ${expr}`);
      return v;
    }
    if (!t) throw new Error(`unexpected end of ${expr}`);
    const [name, result] = t.split('.');
    return phases.get(name!) === result;
  };
  const and = (): boolean => {
    let v = primary();
    while (tokens[i] === '&&') {
      i++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`cannot parse depends: ${expr}`);
  return v;
}

export interface LoadedWorkflow {
  templates: Map<string, Template>;
  tasks: DagTask[];
  onExit: string;
  parallelism: number;
  settingsFile: string;
  stateDir: string;
}

/** Reads the bundle; writes the ConfigMap's settings.json (0600) with `/state` remapped to `stateRoot`. */
export function loadWorkflow(bundleDir: string, stateRoot: string): LoadedWorkflow {
  const cwf = parse(fs.readFileSync(path.join(bundleDir, 'cronworkflow.yaml'), 'utf8')) as {
    spec: {
      workflowSpec: { entrypoint: string; onExit: string; parallelism?: number; templates: Template[] };
    };
  };
  const cm = parse(fs.readFileSync(path.join(bundleDir, 'configmap.yaml'), 'utf8')) as {
    data: Record<string, string>;
  };
  const spec = cwf.spec.workflowSpec;
  const templates = new Map(spec.templates.map((t) => [t.name, t]));
  const settings = JSON.parse(cm.data['settings.json']!) as Record<string, unknown>;
  const stateDir = String(settings['runner.state_dir']).replace(/^\/state(?=\/|$)/, stateRoot);
  settings['runner.state_dir'] = stateDir;
  fs.mkdirSync(stateRoot, { recursive: true, mode: 0o700 });
  const etc = fs.mkdtempSync(path.join(path.dirname(stateRoot), 'etc-'));
  const settingsFile = path.join(etc, 'settings.json');
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return {
    templates,
    tasks: templates.get(spec.entrypoint)!.dag!.tasks,
    onExit: spec.onExit,
    parallelism: spec.parallelism ?? Infinity,
    settingsFile,
    stateDir,
  };
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (m, key: string) => {
    if (!(key in vars)) throw new Error(`unresolved ${m}`);
    return vars[key]!;
  });
}

function runContainer(
  wf: LoadedWorkflow,
  template: Template,
  vars: Record<string, string>,
  secrets: SimOptions['secrets'],
): Promise<SimTaskResult> {
  const c = template.container!;
  if (c.command[0] !== 'job-runner') throw new Error(`template ${template.name}: command ${c.command[0]}`);
  const args = (c.args ?? []).map((a) => substitute(a, vars));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
  };
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const v = secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
      if (v === undefined) throw new Error(`secret ${e.valueFrom.secretKeyRef.name} has no key`);
      env[e.name] = v;
    } else env[e.name] = e.value ?? '';
  }
  if (env.CUSTOMER_SETTINGS) env.CUSTOMER_SETTINGS = wf.settingsFile;
  const deadline =
    template.activeDeadlineSeconds !== undefined
      ? Number(substitute(String(template.activeDeadlineSeconds), vars)) * 1000
      : undefined;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: path.dirname(wf.settingsFile),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const timers: NodeJS.Timeout[] = [];
    if (deadline !== undefined && Number.isFinite(deadline)) {
      timers.push(
        setTimeout(() => {
          killed = true;
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), 5000));
        }, deadline),
      );
    }
    child.on('close', (code) => {
      for (const t of timers) clearTimeout(t);
      resolve({
        phase: code === 0 && !killed ? 'Succeeded' : 'Failed',
        exitCode: code,
        stdout,
        stderr,
        args,
      });
    });
  });
}

/** Runs one workflow of the CronWorkflow (or an `argo retry` of one) to its end, onExit included. */
export async function simulateWorkflow(opts: SimOptions): Promise<SimResult> {
  const wf = loadWorkflow(opts.bundleDir, opts.stateRoot);
  const limit = Math.min(opts.parallelism ?? 2, wf.parallelism);
  const phases = new Map<string, Phase>();
  const results = new Map<string, SimTaskResult>();
  if (opts.retryOf) {
    for (const [name, r] of opts.retryOf.tasks) {
      if (r.phase === 'Succeeded' || r.phase === 'Daemoned') {
        phases.set(name, r.phase);
        results.set(name, r);
      }
    }
  }
  let running = 0;
  let maxParallel = 0;
  let launched = 0;
  let daemoned = 0;
  const baseVars = { 'workflow.name': opts.workflowName };

  await new Promise<void>((resolve, reject) => {
    const step = () => {
      try {
        // a task Omitted or Daemoned in this pass can make an earlier task ready: pass again until none is
        let settled = false;
        while (!settled) settled = pass();
        if (running === 0 && wf.tasks.every((t) => phases.has(t.name))) resolve();
      } catch (err) {
        reject(err);
      }
    };
    /** One look at every task; false when it completed one without running it. */
    const pass = (): boolean => {
      let settled = true;
      for (const task of wf.tasks) {
        if (phases.has(task.name)) continue;
        const deps = dependencyNames(task.depends);
        if (!deps.every((d) => FINAL.includes(phases.get(d) as Phase))) continue;
        if (task.depends && !evalDepends(task.depends, phases)) {
          phases.set(task.name, 'Omitted');
          results.set(task.name, { phase: 'Omitted', exitCode: null, stdout: '', stderr: '', args: [] });
          settled = false;
          continue;
        }
        const template = wf.templates.get(task.template)!;
        if (template.daemon) {
          daemoned++;
          phases.set(task.name, 'Daemoned');
          results.set(task.name, { phase: 'Daemoned', exitCode: null, stdout: '', stderr: '', args: [] });
          settled = false;
          continue;
        }
        if (running >= limit) continue;
        const vars: Record<string, string> = { ...baseVars };
        for (const p of task.arguments?.parameters ?? []) vars[`inputs.parameters.${p.name}`] = p.value;
        phases.set(task.name, 'Errored'); // placeholder while running; not FINAL for dependants below
        running++;
        launched++;
        maxParallel = Math.max(maxParallel, running);
        runningNames.add(task.name);
        runContainer(wf, template, vars, opts.secrets).then((r) => {
          running--;
          runningNames.delete(task.name);
          phases.set(task.name, r.phase);
          results.set(task.name, r);
          step();
        }, reject);
      }
      return settled;
    };
    const runningNames = new Set<string>();
    // a running task is not complete: hide its placeholder phase from readiness checks
    const origGet = phases.get.bind(phases);
    phases.get = (k: string) => (runningNames.has(k) ? undefined : origGet(k));
    step();
  });

  const phase = [...phases.values()].some((p) => p === 'Failed' || p === 'Errored') ? 'Failed' : 'Succeeded';
  const onExit = await runContainer(
    wf,
    wf.templates.get(wf.onExit)!,
    { ...baseVars, 'workflow.status': phase },
    opts.secrets,
  );
  return {
    workflowName: opts.workflowName,
    phase,
    tasks: results,
    onExit,
    launched,
    maxParallel,
    daemoned,
    settingsFile: wf.settingsFile,
    stateDir: wf.stateDir,
  };
}
