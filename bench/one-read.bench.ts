/**
 * One read of MO a night (issue 13), measured side by side against the MO emulator in its own process:
 * - snapshot build vs a raw replay of the very same requests (plain node:http, same chains and concurrency,
 *   bodies discarded): goal ≤ 1.10 on L, with the emulator pinned to its own core (taskset) and without;
 * - the whole night (snapshot, CPR map, OS2sync, the three reports, the SQLite SQL export, the sanity check) vs a
 *   night of the snapshot alone: goal ≤ 1.6; MO requests of the whole night per job: goal = the snapshot's; the
 *   peak RSS of every job's process (goal ≤ 300 MB each); and the CPU the jobs after the snapshot used against
 *   the room the goal leaves them (cores × 0.6 × the snapshot night: above 1.0 the goal cannot be met). OS2sync
 *   sends to the OS2sync emulator (in this process) with the hash cache of the night before, as a production
 *   night does: a first night (cold cache, every object sent) runs once before the pairs and is printed on its
 *   own line. ONE_READ_BENCH_OS2SYNC=stub runs OS2sync in stub mode instead (every request logged, nothing sent:
 *   how this bench measured it before);
 * - scaling S → M → L → 2xL: snapshot build time and peak RSS per object.
 * Every figure is the median of PAIRS pairs run alternately, printed with the load average.
 * ONE_READ_BENCH_QUICK=1: fixture S, one pair, scaling S → M (a smoke test of the bench itself).
 * ONE_READ_BENCH_ONLY=replay: only the build vs raw replay lines (no whole night, no scaling).
 * ONE_READ_BENCH_ONLY=night: only the whole night vs snapshot alone lines (no replay, no scaling).
 * ONE_READ_BENCH_CONCURRENCY=N: both nights with runner.concurrency N instead of its default (e.g. 2 on 2 cores).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SNAPSHOT_JOB } from '../jobs/lora-cache/paths.js';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--one-read-bench-child';
const QUICK = process.env.ONE_READ_BENCH_QUICK === '1';
const ONLY_REPLAY = process.env.ONE_READ_BENCH_ONLY === 'replay';
const ONLY_NIGHT = process.env.ONE_READ_BENCH_ONLY === 'night';
const OS2SYNC_STUB = process.env.ONE_READ_BENCH_OS2SYNC === 'stub';
const SIZE = QUICK ? 'S' : 'L';
const PAIRS = QUICK ? 1 : Math.max(3, Number(process.env.ONE_READ_BENCH_PAIRS ?? 3));
const SCALING = (QUICK ? ['S', 'M'] : ['S', 'M', 'L', '2xL']) as ('S' | 'M' | 'L' | '2xL')[];
const REPLAY_GOAL = 1.1;
const NIGHT_GOAL = 1.6;
const JOB_RSS_GOAL_MB = 300;
const MAX_IN_FLIGHT = 4; // mora.max_in_flight's default: the build's concurrency

/** One recorded request: its chain (operation) and body, in the order the build sent them. */
interface Recorded {
  op: string;
  body: string;
  phase: 1 | 2;
}

interface Timed {
  wallMs: number;
  /** CPU seconds of the process and of its ended child processes (the jobs' processes in a night). */
  cpuS?: number;
  objects?: number;
  rows?: number;
  requests?: number;
  jobs?: Record<string, { status: string; ms: number; rssMb?: number; cpuMs?: number }>;
}

const PHASE1 = /^LoraCache(Facets|Classes|Itsystems)|^LoraCacheRootOrg/;

// ---------------------------------------------------------------- children

async function buildChild(moUrl: string, stateDir: string): Promise<Timed> {
  const { Settings } = await import('../orchestrator/settings-store.js');
  const { createMoClient } = await import('../jobs/clients/mo.js');
  const { buildSnapshot } = await import('../jobs/lora-cache/build.js');
  const { todayIn } = await import('../jobs/lora-cache/dates.js');
  const client = createMoClient({ settings: new Settings({ 'mora.base': moUrl }, 'bench'), env: {} });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await buildSnapshot(
    {
      mode: 'actual',
      client,
      target: path.join(stateDir, 'actual_state.db'),
      today: todayIn('Europe/Copenhagen'),
      timeZone: 'Europe/Copenhagen',
      exportCpr: true,
      resolveDar: true,
      primaryManagerResponsibility: null,
      moUrl,
      graphqlVersion: '29',
    },
    () => undefined,
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  client.close();
  return {
    wallMs,
    cpuS: (cpu.user + cpu.system) / 1e6,
    objects: Object.values(result.objectsFetched).reduce((a, b) => a + b, 0),
    rows: Object.values(result.rowCounts).reduce((a, b) => a + b, 0),
    requests: client.requestCount,
  };
}

/** The same requests with plain node:http: chains of phase 1, then of phase 2, at most MAX_IN_FLIGHT at once. */
async function replayChild(graphqlUrl: string, recordingFile: string): Promise<Timed> {
  const recorded = JSON.parse(fs.readFileSync(recordingFile, 'utf8')) as Recorded[];
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT + 1 });
  const url = new URL(graphqlUrl);
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const post = async (body: string) => {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.on('data', () => undefined);
            res.on('end', resolve);
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };
  const chains = (phase: 1 | 2) => {
    const byOp = new Map<string, string[]>();
    for (const r of recorded.filter((x) => x.phase === phase))
      byOp.set(r.op, [...(byOp.get(r.op) ?? []), r.body]);
    return [...byOp.values()];
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const phase of [1, 2] as const)
    await Promise.all(
      chains(phase).map(async (bodies) => {
        for (const b of bodies) await post(b);
      }),
    );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { wallMs, cpuS: (cpu.user + cpu.system) / 1e6, requests: recorded.length };
}

const NIGHT_TOGGLES = [
  'crontab.RUN_CACHE_LORACACHE',
  'crontab.RUN_CPR_UUID',
  'crontab.RUN_OS2SYNC',
  'crontab.RUN_REPORTS_ENGAGEMENTS_MANAGERS',
  'crontab.RUN_REPORTS_CSV',
  'crontab.RUN_REPORTS_INVALID_CPR',
  'crontab.RUN_ACTUAL_STATE_EXPORT',
];

async function nightChild(
  moUrl: string,
  root: string,
  topUnit: string,
  whole: string,
  os2syncUrl: string,
  hashCache: string,
): Promise<Timed> {
  const { Settings } = await import('../orchestrator/settings-store.js');
  const { runJobs } = await import('../orchestrator/run-night.js');
  const { builtinJobs } = await import('../jobs/registry.js');
  const toggles = whole === 'whole' ? NIGHT_TOGGLES : NIGHT_TOGGLES.slice(0, 1);
  const settings = new Settings(
    {
      // on by default (as in DIPEX): part of the whole night, not of the snapshot alone
      'crontab.RUN_MO_DATA_SANITY_CHECK': whole === 'whole',
      'runner.state_dir': path.join(root, 'var'),
      'mora.base': moUrl,
      'municipality.cvr': '29189846',
      'os2sync.api_url': os2syncUrl,
      'os2sync.hash_cache': hashCache,
      'os2sync.top_unit_uuid': topUnit,
      'reports.upload_to_mo': false,
      ...(process.env.ONE_READ_BENCH_CONCURRENCY
        ? { 'runner.concurrency': Number(process.env.ONE_READ_BENCH_CONCURRENCY) }
        : {}),
      ...Object.fromEntries(toggles.map((t) => [t, true])),
    },
    'bench',
  );
  const cpu0 = cpuWithChildren();
  const t0 = performance.now();
  const summary = await runJobs({
    settings,
    jobs: builtinJobs,
    trigger: 'cli',
    env: {},
    console: false,
    root,
  });
  const wallMs = performance.now() - t0;
  const cpuS = cpuWithChildren() - cpu0;
  const jobs = Object.fromEntries(
    summary.jobs
      .filter((j) => j.status !== 'disabled')
      .map((j) => [j.name, { status: j.status, ms: j.durationMs ?? 0, rssMb: j.peakRssMb, cpuMs: j.cpuMs }]),
  );
  return { wallMs, cpuS, jobs };
}

/**
 * CPU seconds used by this process and by its children that have ended (Linux: utime, stime, cutime and cstime of
 * /proc/self/stat, in clock ticks of 1/100 s). Far less sensitive than wall time to the other load on the machine.
 */
function cpuWithChildren(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // after "pid (comm) ": state is field 3, so utime (14) … cstime (17) are indexes 11 … 14
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- parent

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => os.loadavg()[0]!.toFixed(1);
const child = <T extends object>(...args: string[]) =>
  runBenchChild<T & Timed>(import.meta.url, CHILD_FLAG, args);

/** Pins a process (all its threads) to the given CPUs; false when taskset is unavailable or refuses. */
function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A recording proxy in front of the emulator: the build runs through it once, every body is kept. */
async function record(graphqlUrl: string, stateDir: string): Promise<string> {
  const target = new URL(graphqlUrl);
  const recorded: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const op = (JSON.parse(body) as { operationName?: string; query?: string }).query?.match(
        /query (\w+)/,
      )?.[1];
      if (op) recorded.push({ op, body, phase: PHASE1.test(op) ? 1 : 2 });
      const up = http.request(
        target,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await child('build', `http://127.0.0.1:${port}`, stateDir);
  server.close();
  const file = path.join(stateDir, 'recording.json');
  fs.writeFileSync(file, JSON.stringify(recorded));
  return file;
}

async function replayVsBuild(mo: { url: string; graphqlUrl: string; pid: number }, stateDir: string) {
  const recording = await record(mo.graphqlUrl, stateDir);
  const n = (JSON.parse(fs.readFileSync(recording, 'utf8')) as unknown[]).length;
  for (const pinned of [false, true]) {
    if (pinned && !(pin(mo.pid, '1') && pin(process.pid, '0'))) {
      console.log('one-read/replay pinned: not measured (taskset refused)');
      continue;
    }
    const pairs: { replay: Timed; build: Timed }[] = [];
    for (let i = 0; i < PAIRS; i++)
      pairs.push({
        replay: await child('replay', mo.graphqlUrl, recording),
        build: await child('build', mo.url, stateDir),
      });
    const ratios = pairs.map((p) => p.build.wallMs / p.replay.wallMs);
    const r = median(ratios);
    const p = pairs[ratios.indexOf(r)]!;
    const how = pinned ? 'emulator pinned to CPU 1, client to CPU 0' : 'unpinned';
    console.log(
      `one-read/snapshot build vs raw replay (${SIZE}, ${how}): ${r.toFixed(2)} (goal ≤ ${REPLAY_GOAL}; build ${(p.build.wallMs / 1000).toFixed(2)} s, replay ${(p.replay.wallMs / 1000).toFixed(2)} s of ${n} requests; pairs ${ratios.map((x) => x.toFixed(2)).join(' ')}; load ${load()})`,
    );
    console.log(
      `one-read/client CPU, build vs raw replay (${SIZE}, ${how}): ${(p.build.cpuS ?? NaN).toFixed(2)} s vs ${(p.replay.cpuS ?? NaN).toFixed(2)} s (every thread of the client's process; the build parses, maps and writes what the replay discards)`,
    );
    if (pinned) {
      pin(mo.pid, '0-1');
      pin(process.pid, '0-1');
    }
  }
}

interface LogEntry {
  operationName: string | null;
}

function jobOf(op: string | null): string {
  if (op?.startsWith('LoraCache')) return SNAPSHOT_JOB.actual;
  if (op?.startsWith('CprUuid')) return 'exports_cpr_uuid';
  if (op?.startsWith('Os2sync')) return 'exports_os2sync';
  return op ?? 'other';
}

async function topUnit(graphqlUrl: string): Promise<string> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: '{ org { uuid } org_units { objects { current { uuid parent_uuid } } } }',
    }),
  });
  const { data } = (await res.json()) as {
    data: {
      org: { uuid: string };
      org_units: { objects: { current: { uuid: string; parent_uuid: string | null } | null }[] };
    };
  };
  const root = data.org_units.objects.find(
    (o) => o.current && (o.current.parent_uuid === null || o.current.parent_uuid === data.org.uuid),
  );
  if (!root?.current) throw new Error('no root unit in the emulator');
  return root.current.uuid;
}

async function wholeNight(mo: { url: string; graphqlUrl: string; reset(): Promise<void> }, stateDir: string) {
  const top = await topUnit(mo.graphqlUrl);
  const requestsOf = async () => {
    const log = (await (await fetch(new URL('/_emulator/log', mo.url))).json()) as LogEntry[];
    const per: Record<string, number> = {};
    for (const e of log) per[jobOf(e.operationName)] = (per[jobOf(e.operationName)] ?? 0) + 1;
    return per;
  };
  const { startOs2syncEmulator } = await import('../test/emulators/os2sync/server.js');
  const os2sync = OS2SYNC_STUB ? undefined : await startOs2syncEmulator();
  const os2syncUrl = os2sync?.url ?? 'stub';
  // one hash cache for every night, as on a server: each night compares with the one before it
  const hashCache = path.join(stateDir, 'os2sync-hash-cache.json');
  const night = async (whole: 'whole' | 'alone') => {
    const root = fs.mkdtempSync(path.join(stateDir, 'night-'));
    try {
      await mo.reset();
      os2sync?.reset();
      const timed = await child('night', mo.url, root, top, whole, os2syncUrl, hashCache);
      return { timed, requests: await requestsOf(), os2syncRequests: os2sync?.apiRequests().length ?? 0 };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  const pairs: {
    alone: Timed;
    whole: Timed;
    aloneRequests: Record<string, number>;
    wholeRequests: Record<string, number>;
    os2syncRequests: number;
  }[] = [];
  try {
    if (os2sync) {
      const first = await night('whole');
      const failed = Object.entries(first.timed.jobs ?? {}).filter(([, j]) => j.status !== 'succeeded');
      console.log(
        `one-read/first night, OS2sync hash cache empty (${SIZE}): ${(first.timed.wallMs / 1000).toFixed(2)} s, ${first.os2syncRequests} requests to OS2sync (its emulator in the bench's process), exports_os2sync ${((first.timed.jobs?.exports_os2sync?.ms ?? NaN) / 1000).toFixed(1)} s, CPU ${((first.timed.jobs?.exports_os2sync?.cpuMs ?? NaN) / 1000).toFixed(1)} s, peak RSS ${first.timed.jobs?.exports_os2sync?.rssMb ?? '?'} MB; not part of the ratio below (load ${load()})${failed.length ? ` (NOT ALL SUCCEEDED: ${failed.map(([n, j]) => `${n} ${j.status}`).join(', ')})` : ''}`,
      );
    }
    for (let i = 0; i < PAIRS; i++) {
      const alone = await night('alone');
      const whole = await night('whole');
      pairs.push({
        alone: alone.timed,
        whole: whole.timed,
        aloneRequests: alone.requests,
        wholeRequests: whole.requests,
        os2syncRequests: whole.os2syncRequests,
      });
    }
  } finally {
    await os2sync?.stop();
  }
  const ratios = pairs.map((p) => p.whole.wallMs / p.alone.wallMs);
  const r = median(ratios);
  const p = pairs[ratios.indexOf(r)]!;
  console.log(
    `one-read/whole night vs snapshot alone (${SIZE}, ${OS2SYNC_STUB ? 'OS2sync in stub mode' : `OS2sync with the night before's hash cache: ${p.os2syncRequests} requests`}): ${r.toFixed(2)} (goal ≤ ${NIGHT_GOAL}; night ${(p.whole.wallMs / 1000).toFixed(2)} s, snapshot night ${(p.alone.wallMs / 1000).toFixed(2)} s; pairs ${ratios.map((x) => x.toFixed(2)).join(' ')}; load ${load()})`,
  );
  const cpu = (t: Timed) => t.cpuS ?? NaN;
  const cpuRatios = pairs.map((x) => cpu(x.whole) / cpu(x.alone));
  const cr = median(cpuRatios);
  const cp = pairs[cpuRatios.indexOf(cr)]!;
  console.log(
    `one-read/whole night vs snapshot alone, CPU of the runner and every job's process (${SIZE}): ${cr.toFixed(2)} (night ${cpu(cp.whole).toFixed(1)} s, snapshot night ${cpu(cp.alone).toFixed(1)} s of CPU; pairs ${cpuRatios.map((x) => x.toFixed(2)).join(' ')}; load ${load()})`,
  );
  // The goal leaves the jobs after the snapshot (NIGHT_GOAL - 1) x the snapshot night on every core, and no more
  // even if they were packed perfectly: this line shows whether their CPU fits that at all on this machine.
  const budget = (t: { alone: Timed; whole: Timed }) => {
    const after = Object.entries(t.whole.jobs ?? {})
      .filter(([n]) => n !== SNAPSHOT_JOB.actual)
      .reduce((sum, [, j]) => sum + (j.cpuMs ?? NaN), 0);
    const cores = os.availableParallelism();
    return { after, cores, room: cores * (NIGHT_GOAL - 1) * t.alone.wallMs };
  };
  const budgets = pairs.map(budget);
  const budgetRatios = budgets.map((b) => b.after / b.room);
  const br = median(budgetRatios);
  const bp = budgets[budgetRatios.indexOf(br)]!;
  console.log(
    `one-read/whole night, CPU of the jobs after the snapshot vs the room the goal leaves them (${SIZE}, ${bp.cores} cores): ${br.toFixed(2)} (goal ≤ 1.0 to be reachable at all; ${(bp.after / 1000).toFixed(1)} s vs ${bp.cores} × ${(NIGHT_GOAL - 1).toFixed(1)} × the snapshot night = ${(bp.room / 1000).toFixed(1)} s; pairs ${budgetRatios.map((x) => x.toFixed(2)).join(' ')})`,
  );
  const failed = Object.entries(p.whole.jobs ?? {}).filter(([, j]) => j.status !== 'succeeded');
  console.log(
    `one-read/whole night jobs: ${Object.entries(p.whole.jobs ?? {})
      .map(
        ([n, j]) =>
          `${n} ${j.status} ${(j.ms / 1000).toFixed(1)} s ${j.rssMb ?? '?'} MB CPU ${j.cpuMs === undefined ? '?' : (j.cpuMs / 1000).toFixed(1)} s`,
      )
      .join(', ')}${failed.length ? ' (NOT ALL SUCCEEDED)' : ''}`,
  );
  const rss = Object.entries(p.whole.jobs ?? {}).map(([n, j]) => [n, j.rssMb ?? NaN] as const);
  const [worst, worstMb] = rss.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as readonly [string, number]);
  console.log(
    `one-read/whole night peak RSS of the largest job's process (${SIZE}): ${worst} ${worstMb} MB, ratio ${(worstMb / JOB_RSS_GOAL_MB).toFixed(2)} (goal ≤ 1.0, ${JOB_RSS_GOAL_MB} MB each)`,
  );
  const total = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
  console.log(
    `one-read/MO requests per job, whole night: ${Object.entries(p.wholeRequests)
      .map(([j, n]) => `${j} ${n}`)
      .join(', ')}; others 0`,
  );
  console.log(
    `one-read/MO requests whole night vs snapshot alone: ${total(p.wholeRequests)} vs ${total(p.aloneRequests)} (goal =)`,
  );
}

async function scaling(stateDir: string) {
  const { startMoEmulatorProcess } = await import('../test/emulators/mo/process.js');
  const lines: string[] = [];
  for (const size of SCALING) {
    const t0 = Date.now();
    const mo = await startMoEmulatorProcess({ size, startTimeoutMs: 900_000 });
    try {
      const dir = fs.mkdtempSync(path.join(stateDir, `scale-${size}-`));
      await child('build', mo.url, dir); // warm-up
      const runs: (Timed & { maxRssMb: number })[] = [];
      for (let i = 0; i < (QUICK ? 1 : 3); i++) runs.push(await child('build', mo.url, dir));
      const ms = median(runs.map((r) => r.wallMs));
      const rss = median(runs.map((r) => r.maxRssMb));
      const objects = runs[0]!.objects!;
      lines.push(
        `one-read/scaling ${size}: ${objects} objects in ${(ms / 1000).toFixed(2)} s = ${((ms * 1000) / objects).toFixed(1)} µs/object; peak RSS ${rss.toFixed(0)} MB = ${((rss * 1024) / objects).toFixed(2)} KB/object (emulator started in ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${load()})`,
      );
      console.log(lines.at(-1));
    } finally {
      await mo.stop();
    }
  }
}

export default async function bench(): Promise<void> {
  const { startMoEmulatorProcess } = await import('../test/emulators/mo/process.js');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-one-read-bench-'));
  try {
    const mo = await startMoEmulatorProcess({ size: SIZE, startTimeoutMs: 600_000 });
    try {
      console.log(`one-read/fixture ${SIZE}${QUICK ? ' (quick mode)' : ''}; pairs ${PAIRS}; load ${load()}`);
      await child('build', mo.url, stateDir); // warm-up
      if (!ONLY_NIGHT) await replayVsBuild(mo, stateDir);
      if (!ONLY_REPLAY) await wholeNight(mo, stateDir);
    } finally {
      await mo.stop();
    }
    if (!ONLY_REPLAY && !ONLY_NIGHT) await scaling(stateDir);
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) {
  const [kind, ...rest] = asChild;
  reportToParent(async () => {
    if (kind === 'build') return buildChild(rest[0]!, rest[1]!);
    if (kind === 'replay') return replayChild(rest[0]!, rest[1]!);
    return nightChild(rest[0]!, rest[1]!, rest[2]!, rest[3]!, rest[4]!, rest[5]!);
  });
}
