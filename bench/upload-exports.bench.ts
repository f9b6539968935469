/**
 * Rollekatalog and OS2phonebook exports on fixture L (UPLOAD_BENCH_SIZE=S|M|L, default L): the snapshot and the
 * CPR map are built by the real jobs from the MO emulator, then each export runs in a child process (so its peak
 * RSS is its own) against its emulator in this process. Budgets (issue 15): each ≤ 10 s and ≤ 300 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportsCacheLoracache } from '../jobs/lora-cache/definition.js';
import { exportsCprUuid } from '../jobs/cpr-uuid/definition.js';
import { startMoEmulator } from '../test/emulators/mo/index.js';
import { startRollekatalogEmulator } from '../test/emulators/rollekatalog/server.js';
import { startOs2phonebookEmulator } from '../test/emulators/os2phonebook/server.js';
import { generateFixture } from '../test/fixtures/generate.js';
import type { FixtureSize } from '../test/fixtures/types.js';
import { makeJobContext } from '../test/helpers/job-context.js';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--upload-exports-bench-child';
const WALL_BUDGET_S = 10;
const RSS_BUDGET_MB = 300;

interface ChildResult {
  wallMs: number;
  message: string;
}

async function child(stateDir: string, job: string, settingsJson: string): Promise<ChildResult> {
  const mod =
    job === 'exports_mox_rollekatalog'
      ? await import('../jobs/rollekatalog/run.js')
      : await import('../jobs/os2phonebook/run.js');
  const ctx = makeJobContext(job, JSON.parse(settingsJson) as Record<string, unknown>, { stateDir });
  ctx.prerequisitesRanThisRun = false;
  const started = process.hrtime.bigint();
  const result = await mod.run(ctx);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.failed) throw new Error(result.message ?? 'failed');
  return { wallMs, message: result.message ?? '' };
}

export default async function bench(): Promise<void> {
  const size = (process.env.UPLOAD_BENCH_SIZE ?? 'L') as FixtureSize;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-upload-bench-'));
  const cprMap = path.join(stateDir, 'cpr_mo_ad_map.csv');
  const fixture = generateFixture({ size, seed: 1 });
  const mo = await startMoEmulator({ fixture });
  const rk = await startRollekatalogEmulator();
  const pb = await startOs2phonebookEmulator();
  try {
    const t0 = Date.now();
    const settings = { 'mora.base': mo.url, 'cpr.uuid.output_file': cprMap };
    await (
      await exportsCacheLoracache.load()
    ).run(makeJobContext('exports_cache_loracache', settings, { stateDir }));
    await (await exportsCprUuid.load()).run(makeJobContext('exports_cpr_uuid', settings, { stateDir }));
    await mo.stop();
    console.log(
      `upload-exports/inputs: fixture ${size} snapshot + CPR map in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const jobs: [string, Record<string, unknown>, () => number][] = [
      [
        'exports_mox_rollekatalog',
        {
          'exporters.os2rollekatalog.rollekatalog.url': rk.url,
          'exporters.os2rollekatalog.rollekatalog.api_token': rk.apiKey,
          'exporters.os2rollekatalog.main_root_org_unit': fixture.landmarks.rootUnit,
          'exporters.os2rollekatalog.sync_titles': true,
          'cpr.uuid.output_file': cprMap,
        },
        () =>
          rk.requests
            .filter((r) => r.method === 'POST')
            .reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.body)), 0),
      ],
      [
        'exports_os2phonebook_export',
        {
          'exporters.os2phonebook_base_url': pb.baseUrl,
          'exporters.os2phonebook_basic_auth_user': pb.user,
          'exporters.os2phonebook_basic_auth_pass': pb.password,
        },
        () => pb.requests.reduce((n, r) => n + r.bytes, 0),
      ],
    ];
    for (const [job, jobSettings, bytes] of jobs) {
      const r = await runBenchChild<ChildResult>(import.meta.url, CHILD_FLAG, [
        stateDir,
        job,
        JSON.stringify(jobSettings),
      ]);
      const wallS = r.wallMs / 1000;
      console.log(`upload-exports/${job}: ${r.message}`);
      console.log(
        `upload-exports/${job} wall: ${wallS.toFixed(2)} s, ratio ${(wallS / WALL_BUDGET_S).toFixed(2)} (budget ≤ 1.0, ${WALL_BUDGET_S} s)`,
      );
      console.log(
        `upload-exports/${job} peak RSS: ${r.maxRssMb.toFixed(0)} MB, ratio ${(r.maxRssMb / RSS_BUDGET_MB).toFixed(2)} (budget ≤ 1.0, ${RSS_BUDGET_MB} MB)`,
      );
      console.log(`upload-exports/${job} payload: ${(bytes() / 1e6).toFixed(2)} MB sent`);
    }
    console.log(
      `upload-exports/load average: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await rk.stop();
    await pb.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) reportToParent(() => child(asChild[0]!, asChild[1]!, asChild[2]!));
