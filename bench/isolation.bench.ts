/**
 * Isolation bench (issue 13): every built-in job runs in a process of its own.
 * - reports stage: the three reports together (2 cores) vs the sum of their solo runs, on a synthetic L snapshot;
 *   the same pair with the jobs in the runner's process (as before isolation) side by side. Goal ≤ 0.65.
 * - a night on fixture L (snapshot from the MO emulator + the three reports): peak RSS of each job's process
 *   (goal ≤ 300 MB) and of the runner process (goal ≤ 150 MB). The runner runs in a bench child so its RSS is
 *   its own; the emulator stays in this process.
 * - start-up cost of a job's process: an isolated no-op job vs an in-process one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinJobs } from '../jobs/registry.js';
import { runJobs } from '../orchestrator/run-night.js';
import { Settings } from '../orchestrator/settings-store.js';
import type { JobDefinition } from '../orchestrator/job.js';
import type { JobRecord } from '../orchestrator/events.js';
import { startMoEmulator } from '../test/emulators/mo/index.js';
import { generateFixture } from '../test/fixtures/generate.js';
import { SIZE_L, writeSyntheticSnapshot } from '../test/reports/synthetic-snapshot.js';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--isolation-bench-night';
const PAIRS = Number(process.env.ISOLATION_BENCH_PAIRS ?? 3);
const STAGE_GOAL = 0.65;
const JOB_RSS_GOAL_MB = 300;
const RUNNER_RSS_GOAL_MB = 150;

const reportNames = ['reports_engagements_managers', 'reports_csv', 'reports_invalid_cpr'];
const nightNames = ['exports_cache_loracache', ...reportNames];

function defs(names: string[], isolated: boolean): JobDefinition[] {
  return names.map((n) => {
    const def = builtinJobs.find((j) => j.name === n)!;
    return isolated ? def : { ...def, isolated: undefined };
  });
}

function settingsFor(stateDir: string, names: string[], extra: Record<string, unknown> = {}): Settings {
  const raw: Record<string, unknown> = {
    'runner.state_dir': stateDir,
    'reports.upload_to_mo': false,
    'reports.include_cpr': true,
    'mora.base': 'http://127.0.0.1:1',
    ...extra,
  };
  for (const def of builtinJobs) if (names.includes(def.name)) raw[def.toggle[0]!] = true;
  return new Settings(raw, 'isolation bench');
}

async function night(settings: Settings, jobs: JobDefinition[], select?: string[]): Promise<JobRecord[]> {
  const summary = await runJobs({
    settings,
    jobs,
    select,
    trigger: 'cli',
    env: {},
    root: process.cwd(),
    console: false,
  });
  const bad = summary.jobs.filter((j) => j.status !== 'succeeded');
  if (bad.length) throw new Error(bad.map((j) => `${j.name} ${j.status}: ${j.message ?? ''}`).join('; '));
  return summary.jobs;
}

const span = (recs: JobRecord[]) =>
  (Math.max(...recs.map((r) => r.finishedAt!.getTime())) -
    Math.min(...recs.map((r) => r.startedAt!.getTime()))) /
  1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => os.loadavg()[0]!.toFixed(2);

/** Sum of the three solo report times and the stage time, in seconds. */
async function stagePair(stateDir: string, isolated: boolean): Promise<{ solo: number; stage: number }> {
  const jobs = defs(nightNames, isolated);
  const settings = settingsFor(stateDir, nightNames);
  let solo = 0;
  for (const name of reportNames) solo += span(await night(settings, jobs, [name]));
  const stage = span(await night(settings, jobs, ['reports']));
  return { solo, stage };
}

async function reportsStage(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-isolation-bench-'));
  try {
    writeSyntheticSnapshot(path.join(stateDir, 'cache', 'actual_state.db'), SIZE_L);
    const ratios: Record<'isolated' | 'inProcess', number[]> = { isolated: [], inProcess: [] };
    const stages: Record<'isolated' | 'inProcess', number[]> = { isolated: [], inProcess: [] };
    for (let i = 0; i < PAIRS; i++) {
      for (const mode of ['isolated', 'inProcess'] as const) {
        const { solo, stage } = await stagePair(stateDir, mode === 'isolated');
        ratios[mode].push(stage / solo);
        stages[mode].push(stage);
        console.log(
          `isolation/reports stage pair ${i + 1} ${mode === 'isolated' ? 'isolated  ' : 'in-process'}: stage ${stage.toFixed(2)} s, sum of solos ${solo.toFixed(2)} s, ratio ${(stage / solo).toFixed(2)} (load ${load()})`,
        );
      }
    }
    console.log(
      `isolation/reports stage vs sum of solos, isolated: ${median(ratios.isolated).toFixed(2)} (median of ${PAIRS}, goal ≤ ${STAGE_GOAL}; in-process side by side: ${median(ratios.inProcess).toFixed(2)}; ${os.cpus().length} cores, load ${load()})`,
    );
    // the ratio's two sides move together: the wall time of the stage itself, isolated vs in one process
    console.log(
      `isolation/reports stage wall time, isolated vs in-process: ${(median(stages.isolated) / median(stages.inProcess)).toFixed(2)} (${median(stages.isolated).toFixed(2)} s vs ${median(stages.inProcess).toFixed(2)} s, medians of ${PAIRS}; each job's process starts cold: loads its modules and warms up its JIT and heap)`,
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

interface NightResult {
  jobs: { name: string; durationMs: number; peakRssMb: number }[];
}

/** In the bench child: the night against the emulator at `moUrl`; the child's own RSS is the runner's. */
async function nightChild(stateDir: string, moUrl: string): Promise<NightResult> {
  const recs = await night(settingsFor(stateDir, nightNames, { 'mora.base': moUrl }), defs(nightNames, true));
  return {
    jobs: recs.map((r) => ({ name: r.name, durationMs: r.durationMs ?? 0, peakRssMb: r.peakRssMb ?? NaN })),
  };
}

async function nightRss(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-isolation-night-'));
  const mo = await startMoEmulator({ fixture: generateFixture({ size: 'L', seed: 1 }) });
  try {
    const r = await runBenchChild<NightResult>(import.meta.url, CHILD_FLAG, [stateDir, mo.url]);
    for (const j of r.jobs) {
      console.log(
        `isolation/night L ${j.name}: ${(j.durationMs / 1000).toFixed(1)} s, peak RSS ${j.peakRssMb} MB, ratio ${(j.peakRssMb / JOB_RSS_GOAL_MB).toFixed(2)} (goal ≤ 1.0, ${JOB_RSS_GOAL_MB} MB)`,
      );
    }
    console.log(
      `isolation/night L runner process peak RSS: ${r.maxRssMb.toFixed(0)} MB, ratio ${(r.maxRssMb / RUNNER_RSS_GOAL_MB).toFixed(2)} (goal ≤ 1.0, ${RUNNER_RSS_GOAL_MB} MB; load ${load()})`,
    );
  } finally {
    await mo.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Wall time of a one-job night with a no-op job, isolated vs in the runner's process. */
async function startupCost(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-isolation-noop-'));
  const noop = (isolated: boolean): JobDefinition => ({
    name: 'noop',
    stage: 'report',
    toggle: ['crontab.RUN_NOOP'],
    description: 'no-op',
    load: async () => ({ run: async () => ({}) }),
    ...(isolated ? { isolated: { module: new URL('./noop-job.js', import.meta.url).href } } : {}),
  });
  try {
    const settings = new Settings({ 'runner.state_dir': stateDir, 'crontab.RUN_NOOP': true }, 'bench');
    const times: Record<'isolated' | 'inProcess', number[]> = { isolated: [], inProcess: [] };
    for (let i = 0; i < 5; i++) {
      for (const mode of ['isolated', 'inProcess'] as const) {
        const recs = await night(settings, [noop(mode === 'isolated')]);
        times[mode].push(recs[0]!.durationMs!);
      }
    }
    const iso = median(times.isolated);
    const inp = median(times.inProcess);
    console.log(
      `isolation/no-op job: isolated ${iso} ms, in-process ${inp} ms: start-up of a job's process ${iso - inp} ms (median of 5, load ${load()})`,
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<void> {
  await startupCost();
  await reportsStage();
  await nightRss();
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) reportToParent(() => nightChild(asChild[0]!, asChild[1]!));
