/**
 * Reports bench: both engagement/manager reports ("Engagementer og ledere" and the CPR variant, CSV + XLSX)
 * from a fixture-L sized snapshot. The job runs in a child process so its peak RSS is its own.
 * Budgets (DESIGN §10): wall time ≤ 20 s, peak RSS ≤ 300 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportsCacheLoracache } from '../jobs/lora-cache/definition.js';
import { startMoEmulator } from '../test/emulators/mo/index.js';
import { generateFixture } from '../test/fixtures/generate.js';
import { makeJobContext } from '../test/helpers/job-context.js';
import { SIZE_L, writeSyntheticSnapshot } from '../test/reports/synthetic-snapshot.js';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--reports-bench-child';
const WALL_BUDGET_S = 20;
const RSS_BUDGET_MB = 300;

interface ChildResult {
  wallMs: number;
  rows: number;
  files: number;
}

async function child(stateDir: string): Promise<ChildResult> {
  const { run } = await import('../jobs/reports/run-engagements-managers.js');
  const ctx = makeJobContext(
    'reports_engagements_managers',
    { 'reports.upload_to_mo': false, 'reports.include_cpr': true },
    { stateDir },
  );
  ctx.prerequisitesRanThisRun = false;
  const started = process.hrtime.bigint();
  const result = await run(ctx);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { wallMs, rows: result.counters?.rows ?? 0, files: result.outputs?.length ?? 0 };
}

/** Fixture L served by the MO emulator, snapshot built by the real snapshot job. */
async function buildFixtureLSnapshot(stateDir: string): Promise<string> {
  const fixture = generateFixture({ size: 'L', seed: 1 });
  const mo = await startMoEmulator({ fixture });
  try {
    const ctx = makeJobContext('exports_cache_loracache', { 'mora.base': mo.url }, { stateDir });
    const { run } = await exportsCacheLoracache.load();
    const result = await run(ctx);
    return `fixture L via exports_cache_loracache (${result.message ?? ''})`;
  } finally {
    await mo.stop();
  }
}

/**
 * The snapshot: fixture L through the real snapshot job, or (REPORTS_BENCH_SYNTHETIC=1) a synthetic L-sized one
 * inserted directly, which is quicker to build.
 */
export default async function bench(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-reports-bench-'));
  try {
    const t0 = Date.now();
    let what: string;
    if (process.env.REPORTS_BENCH_SYNTHETIC === '1') {
      writeSyntheticSnapshot(path.join(stateDir, 'cache', 'actual_state.db'), SIZE_L);
      what = `synthetic fixture L (${SIZE_L.units} units, ${SIZE_L.persons} persons, ${SIZE_L.engagements} engagements)`;
    } else {
      what = await buildFixtureLSnapshot(stateDir);
    }
    console.log(`reports/snapshot: ${what}, ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const r = await runBenchChild<ChildResult>(import.meta.url, CHILD_FLAG, [stateDir]);
    const wallS = r.wallMs / 1000;
    console.log(`reports/engagements_managers rows: ${r.rows} (×2 reports, ${r.files} files)`);
    console.log(`reports/engagements_managers wall time: ${wallS.toFixed(2)} s`);
    console.log(
      `reports/engagements_managers wall ratio: ${(wallS / WALL_BUDGET_S).toFixed(2)} (budget ≤ 1.0, ${WALL_BUDGET_S} s)`,
    );
    console.log(`reports/engagements_managers peak RSS: ${r.maxRssMb.toFixed(0)} MB`);
    console.log(
      `reports/engagements_managers RSS ratio: ${(r.maxRssMb / RSS_BUDGET_MB).toFixed(2)} (budget ≤ 1.0, ${RSS_BUDGET_MB} MB)`,
    );
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) reportToParent(() => child(asChild[0]!));
