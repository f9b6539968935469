import { expect } from 'chai';
import type { CliResult } from '../../cli/spawn-cli.js';
import { startListenHarness, waitFor, type ListenHarness } from './harness.js';

/**
 * kill -9 at named points: the spawned listener runs with JOB_RUNNER_TEST_KILL_AT=<point> and SIGKILLs itself
 * there; a second listener on the same state dir must recover at once (without MO's 3-minute back-off: the
 * event stays claimed in MO) and send nothing the hash cache already holds.
 */
describe('job-runner listen: kill -9 at each step, then restart', function () {
  this.timeout(240_000);
  let h: ListenHarness;

  afterEach(() => h.stop());

  const posts = (uuid: string) =>
    h.os2sync.requests.filter(
      (r) => r.method === 'POST' && r.status === 200 && (r.body as { Uuid?: string }).Uuid === uuid,
    );

  for (const point of ['after-fetch', 'after-queue', 'after-send'] as const) {
    it(`${point}: nothing is lost, nothing the cache holds is sent twice`, async () => {
      h = await startListenHarness();
      const [p, untouched] = h.exportedPersons();
      const killed = await h.startListen({ JOB_RUNNER_TEST_KILL_AT: point });
      h.mo.changes.update('persons', p!, { surname: `Dræbt-${point}` });
      const res: CliResult = await killed.done;
      expect(res.signal).to.equal('SIGKILL');
      const sentBefore = posts(p!).length;
      expect(sentBefore).to.equal(point === 'after-send' ? 1 : 0);
      if (point !== 'after-send') expect(h.mo.events.stats.pending).to.equal(1); // claimed, in MO's back-off

      const again = await h.startListen();
      try {
        await waitFor(() => h.mo.events.stats.pending === 0 && posts(p!).length > sentBefore, 90_000);
        const since = Date.now();
        await waitFor(
          () => Date.parse(h.status()!.heartbeat) > since && h.status()!.queue_depth === 0,
          90_000,
        );
        const last = posts(p!).at(-1)!.body as { Person: { Name: string } };
        expect(last.Person.Name).to.contain(`Dræbt-${point}`);
        // the cache never recorded the killed send, so that one is re-sent once; nothing else moves
        expect(posts(p!)).to.have.length(point === 'after-send' ? 2 : 1);
        expect(posts(untouched!)).to.have.length(0);
        // a further event for the same person with no change: the cache now holds it, nothing is sent
        h.mo.events.changed('person', p!);
        await waitFor(() => h.mo.events.stats.pending === 0, 60_000);
        const later = Date.now();
        await waitFor(
          () => Date.parse(h.status()!.heartbeat) > later && h.status()!.queue_depth === 0,
          60_000,
        );
        expect(posts(p!)).to.have.length(point === 'after-send' ? 2 : 1);
      } finally {
        again.child.kill('SIGTERM');
        expect((await again.done).code).to.equal(0);
      }
    });
  }
});
