/**
 * Snapshot bench (DESIGN §10), fixture L: the actual-state snapshot build vs merely fetching the same pages
 * (budget ≤ 1.2), peak RSS of the build (≤ 300 MB), SQLite rows/s (≥ 200,000), and Postgres export rows/s when
 * a server is available (JR_TEST_PG_URL or the server binaries for scripts/pg-test-server.sh).
 * The emulator runs in this process; fetches and builds run in child processes so their RSS is their own.
 * Fetch and build alternate PAIRS times and the median ratio is the figure: on a small machine the emulator
 * and the client share the cores, and one pair swings by ±0.1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--lora-cache-bench-child';
const RATIO_BUDGET = 1.2;
const RSS_BUDGET_MB = 300;
const ROWS_PER_S_BUDGET = 200_000;
const PAIRS = Number(process.env.LORA_CACHE_BENCH_PAIRS ?? 5);

interface ChildResult {
  wallMs: number;
  objects: number;
  rows: number;
  writeSeconds: number;
}

/** In the child: `fetch` pages through every document the build sends, same phases and concurrency; `build` builds. */
async function child(kind: 'fetch' | 'build', moUrl: string, stateDir: string): Promise<ChildResult> {
  const { Settings } = await import('../orchestrator/settings-store.js');
  const { createMoClient } = await import('../jobs/clients/mo.js');
  const { ROOT_ORG_QUERY } = await import('../jobs/lora-cache/queries.js');
  const { buildSnapshot, fetchPlan } = await import('../jobs/lora-cache/build.js');
  const settings = new Settings({ 'mora.base': moUrl }, 'bench');
  const client = createMoClient({ settings, env: {} });
  const started = process.hrtime.bigint();
  let objects = 0;
  let rows = 0;
  let writeSeconds = 0;
  const { todayIn } = await import('../jobs/lora-cache/dates.js');
  const today = todayIn('Europe/Copenhagen');
  if (kind === 'fetch') {
    const plan = fetchPlan('actual', today);
    const drain = async (f: (typeof plan.phase1)[number]) => {
      for await (const page of client.paged<unknown>(f.doc, f.vars)) objects += page.length;
    };
    await Promise.all([client.query(ROOT_ORG_QUERY), ...plan.phase1.map(drain)]);
    await Promise.all(plan.phase2.map(drain));
  } else {
    const result = await buildSnapshot(
      {
        mode: 'actual',
        client,
        target: path.join(stateDir, 'cache', 'actual_state.db'),
        today,
        timeZone: 'Europe/Copenhagen',
        exportCpr: true,
        resolveDar: true,
        primaryManagerResponsibility: null,
        moUrl,
        graphqlVersion: '29',
      },
      () => undefined,
    );
    objects = Object.values(result.objectsFetched).reduce((a, b) => a + b, 0);
    rows = Object.values(result.rowCounts).reduce((a, b) => a + b, 0);
    writeSeconds = result.writeSeconds;
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  client.close();
  return { wallMs, objects, rows, writeSeconds };
}

const runChild = (kind: 'fetch' | 'build', moUrl: string, stateDir: string) =>
  runBenchChild<ChildResult>(import.meta.url, CHILD_FLAG, [kind, moUrl, stateDir]);

type Measured = Awaited<ReturnType<typeof runChild>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The writer alone: every row of the built snapshot re-inserted through SnapshotWriter in 500-row pages. */
async function writerInsertRate(snapshotFile: string, stateDir: string): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  const { SnapshotWriter } = await import('../jobs/lora-cache/writer.js');
  const { snapshotTables, quoteIdent } = await import('../jobs/lora-cache/schema.js');
  const source = new Database(snapshotFile, { readonly: true });
  const writer = new SnapshotWriter(path.join(stateDir, 'cache', 'rewrite.db'));
  let rows = 0;
  let ms = 0;
  try {
    for (const t of snapshotTables('actual')) {
      const page: Record<string, unknown>[] = [];
      const flush = () => {
        const t0 = performance.now();
        writer.page(() => {
          for (const r of page) writer.add(t.name as never, r as never);
        });
        ms += performance.now() - t0;
        rows += page.length;
        page.length = 0;
      };
      for (const r of source.prepare(`SELECT * FROM ${quoteIdent(t.name)}`).iterate() as IterableIterator<
        Record<string, unknown>
      >) {
        page.push(r);
        if (page.length === 500) flush();
      }
      flush();
    }
    const t0 = performance.now();
    writer.finish({
      mode: 'actual',
      moUrl: 'bench',
      graphqlVersion: '29',
      exportCpr: true,
      primaryManagerResponsibility: null,
      buildStarted: new Date(),
      kvittering: { queryTid: '', startLeveringTid: '', slutLeveringTid: '' },
    });
    const finishMs = performance.now() - t0;
    const insertRate = rows / (ms / 1000);
    const overall = rows / ((ms + finishMs) / 1000);
    console.log(
      `lora-cache/sqlite insert rows/s: ${Math.round(insertRate)} (${rows} rows in ${(ms / 1000).toFixed(2)} s through SnapshotWriter, 500-row pages)`,
    );
    console.log(
      `lora-cache/sqlite insert rate ratio: ${(insertRate / ROWS_PER_S_BUDGET).toFixed(2)} (budget ≥ 1.0, ${ROWS_PER_S_BUDGET} rows/s)`,
    );
    console.log(
      `lora-cache/sqlite with indexes rows/s: ${Math.round(overall)} (indexes and metadata ${(finishMs / 1000).toFixed(2)} s; in the build they are made while other entities are still fetched)`,
    );
  } finally {
    source.close();
  }
}

async function postgresExport(snapshotFile: string): Promise<void> {
  const { freshPgDatabase, stopCluster } = await import('../test/actual-state/pg-server.js');
  const db = await freshPgDatabase().catch((err: Error) => {
    console.log(`lora-cache/postgres export: not measured (${err.message.split('\n')[0]})`);
    return null;
  });
  if (!db) {
    console.log(
      'lora-cache/postgres export: not measured (no server: set JR_TEST_PG_URL or apt-get install postgresql)',
    );
    return;
  }
  const Database = (await import('better-sqlite3')).default;
  const { connectPostgres, exportToPostgres } = await import('../jobs/actual-state/postgres-target.js');
  const snapshot = new Database(snapshotFile, { readonly: true });
  const client = await connectPostgres(db);
  try {
    const t0 = performance.now();
    const stamp = () => new Date().toISOString().replace('T', ' ').slice(0, 23);
    const { rows } = await exportToPostgres(client, snapshot, {
      queryTid: stamp(),
      startLeveringTid: stamp(),
      now: stamp,
    });
    const secs = (performance.now() - t0) / 1000;
    const total = Object.values(rows).reduce((a, b) => a + b, 0);
    console.log(`lora-cache/postgres export: ${total} rows in ${secs.toFixed(2)} s`);
    console.log(`lora-cache/postgres export rows/s: ${Math.round(total / secs)}`);
  } finally {
    await client.end();
    snapshot.close();
    await db.drop();
    stopCluster();
  }
}

export default async function bench(): Promise<void> {
  const { startMoEmulator } = await import('../test/emulators/mo/index.js');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-lora-cache-bench-'));
  const t0 = Date.now();
  const mo = await startMoEmulator({ size: 'L' });
  try {
    console.log(`lora-cache/fixture: L generated and served in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await runChild('fetch', mo.url, stateDir); // warm-up: the emulator's first answers include its own setup
    const pairs: { fetch: Measured; build: Measured }[] = [];
    for (let i = 0; i < PAIRS; i++)
      pairs.push({
        fetch: await runChild('fetch', mo.url, stateDir),
        build: await runChild('build', mo.url, stateDir),
      });
    const ratios = pairs.map((p) => p.build.wallMs / p.fetch.wallMs);
    const ratio = median(ratios);
    const { fetch, build } = pairs[ratios.indexOf(ratio)]!;
    console.log(
      `lora-cache/fetch only: ${fetch.objects} objects in ${(fetch.wallMs / 1000).toFixed(2)} s (client CPU ${fetch.cpuSeconds.toFixed(2)} s)`,
    );
    console.log(
      `lora-cache/snapshot build: ${build.objects} objects, ${build.rows} rows in ${(build.wallMs / 1000).toFixed(2)} s (client CPU ${build.cpuSeconds.toFixed(2)} s)`,
    );
    console.log(
      `lora-cache/snapshot/fetch ratio: ${ratio.toFixed(2)} (budget ≤ ${RATIO_BUDGET}; median of ${PAIRS} pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')}; load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    console.log(
      `lora-cache/snapshot peak RSS: ${Math.max(...pairs.map((p) => p.build.maxRssMb)).toFixed(0)} MB (fetch only: ${fetch.maxRssMb.toFixed(0)} MB)`,
    );
    console.log(
      `lora-cache/snapshot RSS ratio: ${(Math.max(...pairs.map((p) => p.build.maxRssMb)) / RSS_BUDGET_MB).toFixed(2)} (budget ≤ 1.0, ${RSS_BUDGET_MB} MB)`,
    );
    const rate = build.rows / build.writeSeconds;
    console.log(
      `lora-cache/sqlite rows/s in the build: ${Math.round(rate)} (${build.writeSeconds.toFixed(2)} s mapping, inserting and indexing)`,
    );
    await mo.stop();
    await writerInsertRate(path.join(stateDir, 'cache', 'actual_state.db'), stateDir);
    await postgresExport(path.join(stateDir, 'cache', 'actual_state.db'));
  } finally {
    await mo.stop().catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) reportToParent(() => child(asChild[0] as 'fetch' | 'build', asChild[1]!, asChild[2]!));
