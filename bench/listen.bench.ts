/**
 * `job-runner listen` (specs/events.md Decision 8), the listener spawned as `bin/job-runner listen`:
 * - latency from "event fetchable" (MO emulator, generator delay 0) to the OS2sync request, p50/p99 over
 *   LISTEN_BENCH_CHANGES single changes (default 500) with the default idle poll; goal p99 ≤ 2 s;
 * - burst: 10,000 events touching 2,000 persons on fixture M: events/s (goal ≥ 200), persons sent (goal: each
 *   changed person exactly once), the listener's peak RSS.
 * LISTEN_BENCH_QUICK=1: 100 changes and a burst of up to 2,000 events on fixture S (its 300 exported persons).
 * LISTEN_BENCH_PART=latency|burst runs one part; LISTEN_BENCH_PROGRESS=1 prints the burst's progress.
 */
import fs from 'node:fs';
import os from 'node:os';
import { startListenHarness, waitFor, type ListenHarness } from '../test/os2sync/listen/harness.js';
import { generateFixture } from '../test/fixtures/generate.js';
import { validityAt } from '../test/fixtures/context.js';

const QUICK = process.env.LISTEN_BENCH_QUICK === '1';
const CHANGES = Number(process.env.LISTEN_BENCH_CHANGES ?? (QUICK ? 100 : 500));

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** CPU seconds (user + system) a process used so far: load-independent, unlike wall time on a shared host. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in clock ticks of 1/100 s
}

function peakRss(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

type Run = Awaited<ReturnType<ListenHarness['startListen']>>;

/**
 * Starts the listener for a bench: without the CLI tests' 50 s SIGKILL guard (it killed the burst halfway,
 * which then waited for MO's pending count forever). LISTEN_BENCH_PROF=file.cjs preloads a profiler
 * (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
async function startBenchListen(h: ListenHarness): Promise<Run & { alive(): boolean }> {
  const prof = process.env.LISTEN_BENCH_PROF;
  const run = await h.startListen(prof ? { NODE_OPTIONS: `--require ${prof}` } : {}, {
    killAfterMs: 3_600_000,
  });
  let exit: string | null = null;
  void run.done.then(
    (r) =>
      (exit = `listener exited (${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`),
  );
  return {
    ...run,
    /** false never: throws once the listener has died (a bench must not wait for a dead listener). */
    alive() {
      if (exit) throw new Error(exit);
      return true;
    },
  };
}

/** Stamps each new OS2sync request with its arrival time (polled every 2 ms in this process). */
function stampRequests(requests: { method: string; body: unknown }[]): { at: number[]; stop(): void } {
  const at: number[] = [];
  const t = setInterval(() => {
    while (at.length < requests.length) at.push(performance.now());
  }, 2);
  return { at, stop: () => clearInterval(t) };
}

async function latency(): Promise<void> {
  const h = await startListenHarness({ 'listen.idle_poll': '1s' });
  const run = await startBenchListen(h);
  const stamps = stampRequests(h.os2sync.requests);
  try {
    const persons = h.exportedPersons();
    const fetchable = new Map<string, number>();
    h.mo.events.onFetchable = (key, subject) => {
      if (key === 'person' && !fetchable.has(subject)) fetchable.set(subject, performance.now());
    };
    const lat: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const p = persons[i % persons.length]!;
      fetchable.delete(p);
      const before = h.os2sync.requests.length;
      h.mo.changes.update('persons', p, { surname: `Lat${i}` });
      const t0 = fetchable.get(p)!;
      await waitFor(() => {
        run.alive();
        const i2 = h.os2sync.requests.findIndex(
          (r, k) => k >= before && r.method === 'POST' && (r.body as { Uuid?: string }).Uuid === p,
        );
        if (i2 < 0 || stamps.at.length <= i2) return false;
        lat.push(stamps.at[i2]! - t0);
        return true;
      }, 30_000);
      // changes arrive at random moments of the 1 s idle poll (right after a send the fetcher has just gone idle)
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
    }
    console.log(
      `listen/latency changes: ${lat.length} (fixture S, idle poll 1 s, load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    console.log(`listen/latency p50: ${(pct(lat, 50) / 1000).toFixed(2)} s`);
    console.log(
      `listen/latency p99: ${(pct(lat, 99) / 1000).toFixed(2)} s (goal ≤ 2 s: ratio ${(pct(lat, 99) / 2000).toFixed(2)})`,
    );
  } finally {
    stamps.stop();
    run.child.kill('SIGTERM');
    await run.done;
    await h.stop();
  }
}

async function burst(): Promise<void> {
  const fixture = generateFixture({ size: QUICK ? 'S' : 'M', seed: 1 });
  // the default idle poll, as the operator runs it (the test harness polls every 20 ms: with 4 fetchers on each of
  // the 4 listeners the burst does not touch, that alone was 3.5 empty fetches per event)
  const h = await startListenHarness({ 'listen.parallelism': 4, 'listen.idle_poll': '1s' }, fixture);
  const run = await startBenchListen(h);
  try {
    const wantPersons = QUICK ? 400 : 2000;
    const wantEvents = QUICK ? 2000 : 10_000;
    const persons = h.exportedPersons().slice(0, wantPersons);
    const chosen = new Set(persons);
    // distinct subjects (MO merges events per subject): each person, then its engagements, addresses, it-users
    const events: [string, string][] = persons.map((p) => ['person', p]);
    const add = (key: string, list: { uuid: string; validities: { person?: string | null }[] }[]) => {
      for (const o of list) {
        if (events.length >= wantEvents) return;
        const v = validityAt(o.validities as never[], fixture.today) as
          { person?: string | null } | undefined;
        if (v?.person && chosen.has(v.person)) events.push([key, o.uuid]);
      }
    };
    add('engagement', fixture.engagements as never);
    add('address', fixture.addresses as never);
    add('ituser', fixture.itusers as never);
    for (const p of persons)
      validityAt(fixture.persons.find((x) => x.uuid === p)!.validities, fixture.today)!.surname += '-B';
    const before = h.os2sync.requests.length;
    const moBefore = { ...h.mo.counters.byField };
    const moTotalBefore = h.mo.counters.total;
    const cpu0 = { listener: cpuSeconds(run.child.pid!), here: process.cpuUsage() };
    const t0 = performance.now();
    for (const [key, subject] of events) h.mo.events.changed(key, subject);
    const progress = setInterval(() => {
      if (process.env.LISTEN_BENCH_PROGRESS !== '1') return;
      const st = h.status();
      console.error(
        `listen/burst progress: MO pending ${h.mo.events.stats.pending}, fetched ${st?.events_fetched}, acked ${st?.events_acked}, queue ${st?.queue_depth}, synced ${st?.targets_synced}, OS2sync requests ${h.os2sync.requests.length - before}`,
      );
    }, 2000);
    await waitFor(() => run.alive() && h.mo.events.stats.pending === 0, 600_000);
    const fetchedAll = (performance.now() - t0) / 1000;
    const since = Date.now();
    await waitFor(() => {
      const st = run.alive() && h.status();
      return !!st && Date.parse(st.heartbeat) > since && st.queue_depth === 0;
    }, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    const listenerCpu = cpuSeconds(run.child.pid!) - cpu0.listener;
    const here = process.cpuUsage(cpu0.here);
    const emulatorsCpu = (here.user + here.system) / 1e6;
    const sent = new Map<string, number>();
    for (const r of h.os2sync.requests.slice(before))
      if (r.method === 'POST' && r.path.endsWith('/user')) {
        const u = (r.body as { Uuid: string }).Uuid;
        sent.set(u, (sent.get(u) ?? 0) + 1);
      }
    const once = persons.filter((p) => sent.get(p) === 1).length;
    console.log(
      `listen/burst: ${events.length} events touching ${persons.length} persons (fixture ${QUICK ? 'S' : 'M'}, parallelism 4, idle poll 1 s, load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    console.log(
      `listen/burst events/s: ${(events.length / seconds).toFixed(0)} (goal ≥ 200: ratio ${(events.length / seconds / 200).toFixed(2)}); ${seconds.toFixed(1)} s`,
    );
    console.log(
      `listen/burst persons sent exactly once: ${once} of ${persons.length}; user POSTs ${[...sent.values()].reduce((a, b) => a + b, 0)}`,
    );
    console.log(
      `listen/burst all events fetched and acked after: ${fetchedAll.toFixed(1)} s (${(events.length / fetchedAll).toFixed(0)} events/s)`,
    );
    console.log(
      `listen/burst CPU per 1,000 events: listener ${((listenerCpu / events.length) * 1000).toFixed(1)} s, MO + OS2sync emulators (this process) ${((emulatorsCpu / events.length) * 1000).toFixed(1)} s; events per listener CPU second: ${(events.length / listenerCpu).toFixed(0)}`,
    );
    const moRequests = Object.entries(h.mo.counters.byField)
      .map(([field, n]) => [field, n - (moBefore[field] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    console.log(
      `listen/burst MO requests per event: ${((h.mo.counters.total - moTotalBefore) / events.length).toFixed(2)}; root fields per event: ${(moRequests.reduce((a, [, n]) => a + n, 0) / events.length).toFixed(2)} (${moRequests.map(([f, n]) => `${f} ${(n / events.length).toFixed(2)}`).join(', ')})`,
    );
    console.log(`listen/burst listener peak RSS: ${peakRss(run.child.pid!).toFixed(0)} MB`);
  } finally {
    run.child.kill('SIGTERM');
    await run.done;
    await h.stop();
  }
}

export default async function bench(): Promise<void> {
  if (process.env.LISTEN_BENCH_PART !== 'burst') await latency();
  if (process.env.LISTEN_BENCH_PART !== 'latency') await burst();
}
