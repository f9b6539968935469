/**
 * Engine benchmark (DESIGN §10): DAGs of sleeping command jobs run through the real runJobs.
 * makespan ≤ 1.05 × critical path + 0.3 s; per-job overhead < 20 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runJobs } from '../orchestrator/run-night.js';
import { commandJobs } from '../jobs/command.js';
import { buildPlan } from '../orchestrator/plan.js';
import { Settings } from '../orchestrator/settings-store.js';
import type { JobContext, JobDefinition } from '../orchestrator/job.js';

interface Spec {
  name: string;
  stage: 'pre' | 'import' | 'prepare' | 'export' | 'report' | 'post';
  sleep: number;
  needs?: string[];
}

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dipexShaped(): Spec[] {
  return [
    { name: 'pre_backup_cmd', stage: 'pre', sleep: 0.05 },
    { name: 'imports_sdtool_plus', stage: 'import', sleep: 0.1 },
    { name: 'imports_sd_changed_at', stage: 'import', sleep: 0.3 },
    { name: 'imports_manager_sync', stage: 'import', sleep: 0.05 },
    { name: 'exports_cpr_uuid', stage: 'prepare', sleep: 0.15 },
    { name: 'exports_cache_loracache', stage: 'prepare', sleep: 0.3 },
    { name: 'exports_historic_cache_loracache', stage: 'prepare', sleep: 0.25 },
    { name: 'exports_historic_skip_past_cache_loracache', stage: 'prepare', sleep: 0.2 },
    { name: 'exports_actual_state_export', stage: 'export', sleep: 0.2, needs: ['exports_cache_loracache'] },
    {
      name: 'exports_historic_sql_export',
      stage: 'export',
      sleep: 0.3,
      needs: ['exports_historic_cache_loracache'],
    },
    { name: 'exports_os2sync', stage: 'export', sleep: 0.15, needs: ['exports_cache_loracache'] },
    { name: 'exports_mox_rollekatalog', stage: 'export', sleep: 0.1, needs: ['exports_cpr_uuid'] },
    { name: 'reports_engagements_managers', stage: 'report', sleep: 0.2, needs: ['exports_cache_loracache'] },
    { name: 'reports_csv', stage: 'report', sleep: 0.1, needs: ['exports_cache_loracache'] },
    { name: 'post_backup_cmd', stage: 'post', sleep: 0.05 },
  ];
}

function randomDag(n: number, seed: number): Spec[] {
  const rnd = mulberry32(seed);
  const specs: Spec[] = [];
  for (let i = 0; i < n; i++) {
    const needs = new Set<string>();
    const k = i === 0 ? 0 : Math.floor(rnd() * 4);
    for (let j = 0; j < k; j++) needs.add(`j${String(Math.floor(rnd() * i)).padStart(3, '0')}`);
    specs.push({
      name: `j${String(i).padStart(3, '0')}`,
      stage: 'export',
      sleep: 0.05 + Math.round(rnd() * 25) / 100,
      needs: [...needs],
    });
  }
  return specs;
}

function settingsFor(specs: Spec[], stateDir: string, concurrency: number): Settings {
  const jobs: Record<string, unknown> = {};
  for (const s of specs) {
    jobs[s.name] = {
      stage: s.stage,
      command: `sleep ${s.sleep}`,
      ...(s.needs?.length ? { needs: s.needs } : {}),
    };
  }
  return new Settings(
    { 'runner.state_dir': stateDir, 'runner.concurrency': concurrency, 'runner.jobs': jobs },
    'bench',
  );
}

/** Longest path through the plan, weighting each job by its sleep. */
function criticalPath(
  jobs: JobDefinition[],
  settings: Settings,
  sleeps: Map<string, number>,
): { seconds: number; length: number } {
  const plan = buildPlan(jobs, settings);
  const finish = new Map<string, { end: number; length: number }>();
  const visit = (name: string): { end: number; length: number } => {
    const known = finish.get(name);
    if (known !== undefined) return known;
    const node = plan.nodes.find((n) => n.name === name)!;
    const before = [...node.needs, ...node.after].map(visit).sort((a, b) => b.end - a.end)[0] ?? {
      end: 0,
      length: 0,
    };
    const result = { end: before.end + sleeps.get(name)!, length: before.length + 1 };
    finish.set(name, result);
    return result;
  };
  const last = plan.nodes.map((n) => visit(n.name)).sort((a, b) => b.end - a.end)[0]!;
  return { seconds: last.end, length: last.length };
}

async function measure(label: string, specs: Spec[], concurrency: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-bench-'));
  fs.chmodSync(dir, 0o700);
  try {
    const settings = settingsFor(specs, path.join(dir, 'var'), concurrency);
    const jobs = commandJobs(settings);
    const sleeps = new Map(specs.map((s) => [s.name, s.sleep]));
    const { seconds: cp, length: depth } = criticalPath(jobs, settings, sleeps);
    const t0 = performance.now();
    const summary = await runJobs({
      settings,
      jobs,
      trigger: 'cli',
      env: process.env,
      root: dir,
      console: false,
    });
    const makespan = (performance.now() - t0) / 1000;
    if (summary.exitCode !== 0) throw new Error(`${label}: run exited ${summary.exitCode}`);
    const overheads = summary.jobs.map((j) => (j.durationMs ?? 0) - sleeps.get(j.name)! * 1000);
    const meanOverhead = overheads.reduce((a, b) => a + b, 0) / overheads.length;
    const budget = 1.05 * cp + 0.3;
    const alongPath = ((makespan - cp) * 1000) / depth;
    process.stdout.write(
      [
        `engine/${label} jobs: ${specs.length} (concurrency ${concurrency})`,
        `engine/${label} critical path: ${cp.toFixed(3)} s`,
        `engine/${label} makespan: ${makespan.toFixed(3)} s`,
        `engine/${label} makespan/critical path ratio: ${(makespan / cp).toFixed(3)} (budget ≤ 1.05, +0.3 s: ≤ ${budget.toFixed(3)} s) ${makespan <= budget ? 'OK' : 'OVER BUDGET'}`,
        `engine/${label} per-job overhead along the critical path (${depth} jobs): ${alongPath.toFixed(1)} ms (budget < 20 ms) ${alongPath < 20 ? 'OK' : 'OVER BUDGET'}`,
        `engine/${label} per-job overhead, job duration − sleep (spawn + log + history, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}): ` +
          `${meanOverhead.toFixed(1)} ms mean, ${Math.max(...overheads).toFixed(1)} ms max (budget < 20 ms) ${meanOverhead < 20 ? 'OK' : 'OVER BUDGET'}`,
      ].join('\n') + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Engine-only cost per job: in-process no-op jobs, no spawning. */
async function engineOnly(n: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-bench-'));
  fs.chmodSync(dir, 0o700);
  try {
    const jobs: JobDefinition[] = Array.from({ length: n }, (_, i) => ({
      name: `noop${i}`,
      stage: 'export',
      toggle: [`x.noop${i}`],
      description: 'no-op',
      ...(i > 0 ? { needs: () => [`noop${i - 1}`] } : {}),
      load: async () => ({ run: async (_ctx: JobContext) => ({}) }),
    }));
    const raw: Record<string, unknown> = { 'runner.state_dir': path.join(dir, 'var') };
    for (const j of jobs) raw[j.toggle[0]!] = true;
    const t0 = performance.now();
    await runJobs({
      settings: new Settings(raw, 'bench'),
      jobs,
      trigger: 'cli',
      env: {},
      root: dir,
      console: false,
    });
    const per = (performance.now() - t0) / n;
    process.stdout.write(
      `engine/no-op chain of ${n} per-job overhead: ${per.toFixed(2)} ms (budget < 20 ms) ${per < 20 ? 'OK' : 'OVER BUDGET'}\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<void> {
  await measure('dipex-15', dipexShaped(), 8);
  await measure('random-200', randomDag(200, 42), 200);
  await engineOnly(200);
}
