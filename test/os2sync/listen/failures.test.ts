import { expect } from 'chai';
import net from 'node:net';
import path from 'node:path';
import { tryCacheLock } from '../../../jobs/os2sync/cache-lock.js';
import { startMoEmulator } from '../../emulators/mo/index.js';
import { cli } from '../../cli/spawn-cli.js';
import { startListenHarness, waitFor, type ListenHarness } from './harness.js';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/**
 * A port found free may be taken again before the listener binds it (an emulator's or a connection's ephemeral
 * port): then the listener exits with its one-line EADDRINUSE error, and the test tries another port.
 */
async function startListenOnAFreeMetricsPort(h: ListenHarness): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    h.sb.write(
      h.settings({
        'listen.idle_poll': '20ms',
        'listen.retry_backoff': '300ms',
        'listen.metrics_port': port,
      }),
    );
    const listener = await h.startListen();
    if (listener.child.exitCode === null && listener.child.signalCode === null) return port;
    const res = await listener.done;
    if (attempt === 3 || !/EADDRINUSE/.test(res.stderr)) {
      throw new Error(`job-runner listen exited (${res.code}): ${res.stderr.trim()}`);
    }
  }
}

describe('job-runner listen: failures, the night, MO merges, metrics', function () {
  this.timeout(240_000);
  let h: ListenHarness;

  afterEach(() => h.stop());

  const posts = (uuid: string) =>
    h.os2sync.requests.filter((r) => r.method === 'POST' && (r.body as { Uuid?: string }).Uuid === uuid);

  it('OS2sync 500 for one target: the others flow, that one stays queued (visible in status) and is retried', async () => {
    h = await startListenHarness();
    await h.startListen();
    const [bad, good] = h.exportedPersons();
    h.os2sync.setFaults({ serverErrorUuids: [bad!] });
    h.mo.changes.update('persons', bad!, { surname: 'Fejl' });
    h.mo.changes.update('persons', good!, { surname: 'Fin' });
    await waitFor(() => posts(good!).some((r) => r.status === 200), 60_000);
    await waitFor(() => (h.status()?.queue_failing ?? 0) === 1, 60_000);
    const st = h.status()!;
    expect(st.failing[0]).to.include({ kind: 'person', uuid: bad });
    expect(st.last_error!.message).to.match(/not synced/);
    expect(h.mo.events.stats.pending).to.equal(0); // acked all the same
    h.os2sync.setFaults({});
    await waitFor(() => posts(bad!).some((r) => r.status === 200), 60_000);
    await waitFor(() => h.status()?.queue_depth === 0, 60_000);
    expect(posts(good!).filter((r) => r.status === 200)).to.have.length(1);
  });

  it('OS2sync down: events are still acked and queued, and drained when it returns', async () => {
    h = await startListenHarness();
    await h.startListen();
    const p = h.exportedPersons()[2]!;
    h.os2sync.setFaults({ serverErrorFrom: { request: 1, status: 503 } });
    h.mo.changes.update('persons', p, { surname: 'Nede' });
    await waitFor(() => h.mo.events.stats.acknowledged >= 1 && (h.status()?.queue_failing ?? 0) >= 1, 60_000);
    expect(h.mo.events.stats.pending).to.equal(0);
    expect(posts(p).filter((r) => r.status === 200)).to.have.length(0);
    h.os2sync.setFaults({});
    await waitFor(() => posts(p).some((r) => r.status === 200), 60_000);
    await waitFor(() => h.status()?.queue_depth === 0, 60_000);
  });

  it("while the night's exports_os2sync holds the hash cache: fetch and queue, no sends; drain afterwards", async () => {
    h = await startListenHarness();
    await h.startListen();
    const lock = tryCacheLock(
      path.join(h.sb.stateDir, 'cache', 'os2sync_hash_cache.json'),
      'exports_os2sync',
    );
    if ('held' in lock) throw new Error('lock unexpectedly held');
    const p = h.exportedPersons()[3]!;
    h.mo.changes.update('persons', p, { surname: 'Natten' });
    await waitFor(() => h.mo.events.stats.acknowledged >= 1 && h.status()?.night_running !== null, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.status()!.queue_depth).to.equal(1);
    expect(h.sends()).to.deep.equal([]);
    const status = await cli(h.sb, ['status']);
    expect(status.stdout).to.match(/listener: running .* queue 1 target/);
    expect(status.stdout).to.match(/paused while exports_os2sync/);
    lock.release();
    await waitFor(() => h.sends().length === 1, 60_000);
    expect(h.sends()).to.deep.equal([`POST /api/user ${p}`]);
  });

  it('MO merges a new event into an in-flight subject: the ack is a no-op, the event returns and the newest state is sent', async () => {
    h = await startListenHarness();
    await h.startListen();
    const p = h.exportedPersons()[4]!;
    h.mo.setFaults({ latencyMs: 300 }); // every MO answer is slow: the event stays in flight a while
    const fetchedBefore = h.mo.events.stats.fetched;
    h.mo.changes.update('persons', p, { surname: 'Første' });
    await waitFor(() => h.mo.events.stats.fetched > fetchedBefore, 30_000);
    h.mo.changes.update('persons', p, { surname: 'Anden' });
    await waitFor(() => h.mo.events.stats.staleAcks >= 1, 30_000);
    h.mo.setFaults({});
    await waitFor(() => h.mo.events.stats.pending === 0 && h.status()?.queue_depth === 0, 60_000);
    await waitFor(() => posts(p).length > 0, 30_000);
    const last = posts(p).at(-1)!.body as { Person: { Name: string } };
    expect(last.Person.Name).to.contain('Anden');
    expect(posts(p).length).to.be.at.most(2);
  });

  it('/metrics serves Prometheus text on the loopback port; status --json shows the listener', async () => {
    h = await startListenHarness();
    const port = await startListenOnAFreeMetricsPort(h);
    h.mo.changes.update('persons', h.exportedPersons()[5]!, { surname: 'Målt' });
    await waitFor(() => h.sends().length >= 1, 60_000);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).to.match(/^job_runner_listen_events_fetched_total [1-9]/m);
    expect(text).to.match(/^job_runner_listen_events_acked_total [1-9]/m);
    expect(text).to.match(/^job_runner_listen_queue_depth \d/m);
    const json = JSON.parse((await cli(h.sb, ['status', '--json'])).stdout) as {
      listener: { alive: boolean };
    };
    expect(json.listener.alive).to.equal(true);
  });

  it('a token without a uuid claim is a one-line settings error naming the Keycloak client (exit 2)', async () => {
    h = await startListenHarness();
    const anon = await startMoEmulator({ size: 'S', seed: 7, actorUuid: null });
    try {
      h.sb.write(h.settings({ 'mora.base': anon.url }));
      const res = await cli(h.sb, ['listen']);
      expect(res.code).to.equal(2);
      expect(res.stderr.trim().split('\n')).to.have.length(1);
      expect(res.stderr).to.match(
        /^job-runner: crontab\.CLIENT_ID: the Keycloak client .* has no uuid claim/,
      );
    } finally {
      await anon.stop();
    }
  });
});
