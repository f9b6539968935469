/**
 * OS2sync bench (DESIGN §10), fixture L: the first full run (requests, wall time), then a night after changing
 * 1 % of the persons: OS2sync requests must equal the objects changed exactly; wall time reading MO and with
 * use_lc_db (budget ≤ 15 s); MO requests per night next to the old per-person REST exporter's ≈ 4/person + 3/unit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startMoEmulator } from '../test/emulators/mo/index.js';
import { startOs2syncEmulator } from '../test/emulators/os2sync/index.js';
import { generateFixture } from '../test/fixtures/generate.js';
import { mutatePersons } from '../test/fixtures/mutate.js';
import { validityAt } from '../test/fixtures/context.js';
import { makeJobContext, makeTempDir } from '../test/helpers/job-context.js';
import { run } from '../jobs/os2sync/run.js';
import { runActual } from '../jobs/lora-cache/run.js';

const LC_BUDGET_S = 15;

export default async function bench(): Promise<void> {
  const fixture = generateFixture({ size: 'L', seed: 1 });
  const mo = await startMoEmulator({ fixture });
  const os2sync = await startOs2syncEmulator();
  const settings = (extra: Record<string, unknown> = {}) => ({
    'mora.base': mo.url,
    'municipality.cvr': '29189846',
    'os2sync.api_url': os2sync.url,
    'os2sync.top_unit_uuid': fixture.landmarks.rootUnit,
    ...extra,
  });
  const job = async (stateDir: string, extra: Record<string, unknown> = {}, runStartedAt?: Date) => {
    const before = os2sync.requests.length;
    const ctx = makeJobContext('exports_os2sync', settings(extra), { stateDir, runStartedAt });
    const t0 = performance.now();
    const result = await run(ctx);
    const seconds = (performance.now() - t0) / 1000;
    if (result.failed) throw new Error(result.message);
    return { result, seconds, requests: os2sync.requests.length - before };
  };
  try {
    const persons = fixture.persons.filter((p) => validityAt(p.validities, fixture.today)).length;
    const units = fixture.org_units.filter((u) => validityAt(u.validities, fixture.today)).length;
    const moDir = makeTempDir('os2sync-bench-mo-');
    const first = await job(moDir);
    const c = first.result.counters!;
    console.log(`os2sync/fixture: ${units} units, ${persons} persons`);
    console.log(
      `os2sync/first run requests: ${first.requests} (${c.units_upserted} units, ${c.users_upserted} user upserts, ${c.users_deleted} user deletes)`,
    );
    console.log(`os2sync/first run wall time: ${first.seconds.toFixed(2)} s`);
    console.log(`os2sync/first run MO requests: ${c.mo_requests}`);

    const lcDir = makeTempDir('os2sync-bench-lc-');
    fs.mkdirSync(path.join(lcDir, 'cache'), { recursive: true });
    fs.copyFileSync(
      path.join(moDir, 'cache', 'os2sync_hash_cache.json'),
      path.join(lcDir, 'cache', 'os2sync_hash_cache.json'),
    );

    const exported = new Set(
      [...os2sync.state.users.values()].filter((u) => u.status === 'active').map((u) => u.record.Uuid),
    );
    const changed = mutatePersons(fixture, 0.01, 42);
    mo.reset();
    const expected = changed.filter((p) => exported.has(p)).length;
    console.log(`os2sync/persons changed: ${changed.length} (${expected} of them synced with positions)`);

    const nightly = await job(moDir);
    console.log(`os2sync/nightly requests (MO): ${nightly.requests}`);
    console.log(
      `os2sync/nightly requests = objects changed: ${nightly.requests === expected ? 'yes' : 'NO'} (${nightly.requests} vs ${expected})`,
    );
    console.log(`os2sync/nightly wall time (MO): ${nightly.seconds.toFixed(2)} s`);
    const moPerNight = nightly.result.counters!.mo_requests!;
    const legacy = 4 * persons + 3 * units;
    console.log(
      `os2sync/MO requests per night: ${moPerNight} (old per-person exporter ≈ ${legacy}; ratio ${(moPerNight / legacy).toFixed(4)})`,
    );

    const nightStarted = new Date();
    const snapCtx = makeJobContext('exports_cache_loracache', settings(), { stateDir: lcDir });
    const s0 = performance.now();
    await runActual(snapCtx);
    console.log(
      `os2sync/snapshot build (exports_cache_loracache, not part of the job): ${((performance.now() - s0) / 1000).toFixed(2)} s`,
    );
    const lc = await job(lcDir, { 'os2sync.use_lc_db': true }, nightStarted);
    console.log(
      `os2sync/nightly requests (use_lc_db): ${lc.requests} (${lc.requests === expected ? 'equal to objects changed' : 'NOT equal to objects changed'})`,
    );
    console.log(`os2sync/nightly MO requests (use_lc_db): ${lc.result.counters!.mo_requests}`);
    console.log(`os2sync/nightly wall time (use_lc_db): ${lc.seconds.toFixed(2)} s`);
    console.log(
      `os2sync/use_lc_db ratio: ${(lc.seconds / LC_BUDGET_S).toFixed(2)} (budget ≤ 1.00, i.e. ≤ ${LC_BUDGET_S} s)`,
    );
    const same =
      fs.readFileSync(path.join(moDir, 'cache', 'os2sync_hash_cache.json'), 'utf8') ===
      fs.readFileSync(path.join(lcDir, 'cache', 'os2sync_hash_cache.json'), 'utf8');
    console.log(`os2sync/hash caches identical (MO vs use_lc_db): ${same ? 'yes' : 'NO'}`);
  } finally {
    await mo.stop();
    await os2sync.stop();
  }
}

if (process.argv[1] && /os2sync\.bench\.[jt]s$/.test(process.argv[1])) await bench();
