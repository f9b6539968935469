import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LeaseHolder } from '../../../orchestrator/lease.js';
import { reusedPid1, writeLease } from '../../orchestrator/lease-files.js';
import { cli } from '../../cli/spawn-cli.js';
import { startListenHarness, waitFor, type ListenHarness } from './harness.js';

describe('job-runner listen: its lease and the hash-cache lease', function () {
  this.timeout(60_000);
  let h: ListenHarness;
  const listenLock = () => path.join(h.sb.stateDir, 'listen', 'listen.lock');
  const cacheLock = () => path.join(h.sb.stateDir, 'cache', 'os2sync_hash_cache.json.lock');

  beforeEach(async () => {
    h = await startListenHarness();
  });
  afterEach(() => h.stop());

  it('a stale listener lease whose PID was reused: status says not running, and listen takes it over with a warning', async () => {
    writeLease(listenLock(), { ...reusedPid1(), runId: 'listen' });
    // a status file the dead listener left, naming the (now reused) PID 1 as alive and fresh
    fs.writeFileSync(
      path.join(h.sb.stateDir, 'listen', 'status.json'),
      JSON.stringify({
        alive: true,
        host: os.hostname(),
        pid: 1,
        heartbeat: new Date().toISOString(),
        owner: null,
        listeners: [],
        queue_depth: 0,
        queue_failing: 0,
        oldest_queued_age_s: null,
        events_fetched: 0,
        events_acked: 0,
        night_running: null,
        last_error: null,
      }),
    );
    const before = await cli(h.sb, ['status']);
    expect(before.stdout).to.match(/listener: not running/);
    expect(before.stdout).to.match(/its lock is stale \(pid 1 now belongs to another process\)/);

    const run = await h.startListen();
    expect(run.child.exitCode).to.equal(null);
    const json = JSON.parse((await cli(h.sb, ['status', '--json'])).stdout) as {
      listener: { alive: boolean; lock: { state: string; holder: string } };
    };
    expect(json.listener.alive).to.equal(true);
    expect(json.listener.lock.state).to.equal('held');
    expect(json.listener.lock.holder).to.contain(`pid ${run.child.pid}`);
    const holder = JSON.parse(fs.readFileSync(path.join(listenLock(), 'holder.json'), 'utf8')) as LeaseHolder;
    expect(holder).to.include({ pid: run.child.pid, runId: 'listen', host: os.hostname() });
    run.child.kill('SIGTERM');
    const res = await run.done;
    expect(res.code).to.equal(0);
    expect(res.stderr).to.match(
      /warn: took over a stale listener lock .*listen\.lock: pid 1 now belongs to another process/,
    );
    expect(fs.existsSync(listenLock())).to.equal(false);
  });

  it("another host's live listener lease: exit 3 naming that host; once its heartbeat expired, taken over", async () => {
    writeLease(listenLock(), { host: 'pod-b', pid: 4242, pidStart: '1', runId: 'listen' });
    const refused = await cli(h.sb, ['listen']);
    expect(refused.code).to.equal(3);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.match(/job-runner listen is already running on .*: host pod-b, pid 4242/);
    writeLease(listenLock(), {
      runId: 'listen',
      host: 'pod-b',
      pid: 4242,
      pidStart: '1',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const run = await h.startListen();
    expect(run.child.exitCode).to.equal(null);
    expect(h.status()!.alive).to.equal(true);
  });

  it("the hash cache: another host's live night lease holds the sends back; a stale one (reused PID) does not", async () => {
    writeLease(cacheLock(), { host: 'night-pod', pid: 4242, pidStart: '1', runId: 'exports_os2sync' });
    await h.startListen();
    const p = h.exportedPersons()[2]!;
    h.mo.changes.update('persons', p, { surname: 'Låst' });
    await waitFor(() => h.status()?.night_running !== null && h.status()?.queue_depth === 1, 30_000);
    expect(h.status()!.night_running).to.match(/^exports_os2sync \(host night-pod, pid 4242/);
    expect(h.sends()).to.deep.equal([]);
    // the night's process died and its PID was reused on this host: the lease is stale, taken over at once
    fs.rmSync(cacheLock(), { recursive: true });
    writeLease(cacheLock(), { ...reusedPid1(), runId: 'exports_os2sync' });
    await waitFor(() => h.sends().length === 1, 30_000);
    expect(h.sends()).to.deep.equal([`POST /api/user ${p}`]);
    await waitFor(() => h.status()?.night_running === null, 10_000);
  });
});
