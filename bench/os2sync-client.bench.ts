/**
 * The OS2sync client's cost per request, side by side: the project's client (node:http, requestBytes) vs the same
 * requests through axios (requestWithDeadline, the client it used before), each in a child process of its own,
 * against the OS2sync emulator in this process (it answers chunked, as OS2sync does). A first night on fixture L
 * sends 35,818 requests. Printed: CPU per request of the client's process, its peak RSS, and the bytes the
 * client left for V8's old generation per request (garbage that outlived the young generation: what makes a
 * long run's heap grow until a major GC). Median of PAIRS pairs, run alternately.
 * OS2SYNC_CLIENT_BENCH_REQUESTS=N (default 20,000), OS2SYNC_CLIENT_BENCH_PAIRS=N (default 3).
 */
import os from 'node:os';
import v8 from 'node:v8';
import { childArgs, reportToParent, runBenchChild } from './child-process.js';

const CHILD_FLAG = '--os2sync-client-bench-child';
const REQUESTS = Number(process.env.OS2SYNC_CLIENT_BENCH_REQUESTS ?? 20_000);
const PAIRS = Math.max(1, Number(process.env.OS2SYNC_CLIENT_BENCH_PAIRS ?? 3));

interface Sent {
  wallMs: number;
  cpuUs: number;
  promotedBytes: number;
}

const UNIT = '6c72b52d-8eda-4e16-84d9-731ea1b611c7';
/** A user payload the emulator accepts (200), of a typical size. */
function payload(i: number) {
  const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    Uuid: uuid,
    UserId: `bruger${i}`,
    Person: { Name: `Person Nummer ${i}`, Uuid: uuid },
    Positions: [{ Name: 'Sagsbehandler', OrgUnitUuid: UNIT }],
    Email: `bruger${i}@kommune.dk`,
    PhoneNumber: '12345678',
    Location: 'Rådhuset',
  };
}

async function sendChild(how: 'node-http' | 'axios', baseUrl: string): Promise<Sent> {
  const http = await import('../jobs/clients/http.js');
  const { createOs2syncClient } = await import('../jobs/clients/os2sync.js');
  const headers = { CVR: '29189846', 'Content-Type': 'application/json' };
  let send: (i: number) => Promise<unknown>;
  if (how === 'node-http') {
    const client = createOs2syncClient({
      baseUrl,
      cvr: '29189846',
      timeoutMs: 60_000,
      retry: { maxAttempts: 1, baseDelayMs: 10, maxTimeMs: 1000 },
    });
    send = (i) => client.request('POST', '/user', payload(i));
  } else {
    const axiosClient = http.createHttpClient({ maxSockets: 2 });
    send = (i) =>
      http.requestWithDeadline(
        axiosClient,
        { method: 'POST', url: `${baseUrl}/user`, headers, data: JSON.stringify(payload(i)) },
        60_000,
      );
  }
  for (let i = 0; i < 200; i++) await send(i); // warm-up: JIT, sockets
  const profiler = new v8.GCProfiler();
  profiler.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) await send(i);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    wallMs,
    cpuUs: (cpu.user + cpu.system) / REQUESTS,
    promotedBytes: promoted(profiler.stop()) / REQUESTS,
  };
}

type GcStats = ReturnType<v8.GCProfiler['stop']>;

/**
 * Bytes that went to V8's old generation (old and large-object spaces): moved there by scavenges, or allocated there
 * directly between two collections (pretenured, large objects).
 */
function promoted(stats: GcStats): number {
  const old = (spaces: { spaceName: string; spaceUsedSize: number }[]) =>
    spaces
      .filter((x) => x.spaceName === 'old_space' || x.spaceName === 'large_object_space')
      .reduce((n, x) => n + x.spaceUsedSize, 0);
  let bytes = 0;
  let afterPrevious: number | undefined;
  for (const g of stats?.statistics ?? []) {
    const before = old(g.beforeGC.heapSpaceStatistics);
    const after = old(g.afterGC.heapSpaceStatistics);
    if (afterPrevious !== undefined) bytes += Math.max(0, before - afterPrevious);
    if (g.gcType === 'Scavenge') bytes += Math.max(0, after - before);
    afterPrevious = after;
  }
  return bytes;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<void> {
  const { startOs2syncEmulator } = await import('../test/emulators/os2sync/index.js');
  const emulator = await startOs2syncEmulator();
  try {
    const pairs: { node: Sent & { maxRssMb: number }; axios: Sent & { maxRssMb: number } }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      emulator.reset();
      const axios = await runBenchChild<Sent>(import.meta.url, CHILD_FLAG, ['axios', emulator.url]);
      emulator.reset();
      const node = await runBenchChild<Sent>(import.meta.url, CHILD_FLAG, ['node-http', emulator.url]);
      pairs.push({ node, axios });
    }
    const cpu = pairs.map((p) => p.node.cpuUs / p.axios.cpuUs);
    const r = median(cpu);
    const p = pairs[cpu.indexOf(r)]!;
    const load = os.loadavg()[0]!.toFixed(1);
    console.log(
      `os2sync-client/CPU per request, node:http vs axios (${REQUESTS} POST /user, sequential): ${r.toFixed(2)} (${p.node.cpuUs.toFixed(0)} µs vs ${p.axios.cpuUs.toFixed(0)} µs; wall ${(p.node.wallMs / REQUESTS).toFixed(2)} vs ${(p.axios.wallMs / REQUESTS).toFixed(2)} ms per request; pairs ${cpu.map((x) => x.toFixed(2)).join(' ')}; load ${load})`,
    );
    console.log(
      `os2sync-client/old generation per request, node:http vs axios: ${(p.node.promotedBytes / 1024).toFixed(1)} KB vs ${(p.axios.promotedBytes / 1024).toFixed(1)} KB; peak RSS of the client's process ${p.node.maxRssMb.toFixed(0)} vs ${p.axios.maxRssMb.toFixed(0)} MB`,
    );
  } finally {
    await emulator.stop();
  }
}

const asChild = childArgs(CHILD_FLAG);
if (asChild) reportToParent(() => sendChild(asChild[0] as 'node-http' | 'axios', asChild[1]!));
