/**
 * Events handled at the same time share MO requests: owner look-ups by a list of subjects, acknowledgements
 * as aliased fields (jobs/os2sync/listen/batcher.ts, targets.ts, acks.ts), against the MO emulator.
 */
import { expect } from 'chai';
import { Settings } from '../../../orchestrator/settings-store.js';
import { MoError, createMoClient, type MoClient } from '../../../jobs/clients/mo.js';
import { Batcher } from '../../../jobs/os2sync/listen/batcher.js';
import { ackEvents } from '../../../jobs/os2sync/listen/acks.js';
import {
  ACK_BATCH_MAX,
  declareListenerMutation,
  fetchEventQuery,
} from '../../../jobs/os2sync/listen/queries.js';
import { batchedOwners, ownerTargets } from '../../../jobs/os2sync/listen/targets.js';
import { validityAt } from '../../fixtures/context.js';
import { generateFixture } from '../../fixtures/generate.js';
import { startMoEmulator, type MoEmulator } from '../../emulators/mo/index.js';

const deferred = <T>(): { promise: Promise<T>; resolve: (v: T) => void } => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('listen: batching of MO requests', function () {
  this.timeout(30_000);

  describe('Batcher', () => {
    it('a lone call goes at once; calls made while a batch is in flight go together next, at most max', async () => {
      const batches: number[][] = [];
      const gate = deferred<void>();
      const b = new Batcher<number, string>(async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items.map((i) => `r${i}`);
      }, 3);
      const first = b.add(0);
      await new Promise((r) => setImmediate(r));
      expect(batches).to.deep.equal([[0]]);
      const later = [1, 2, 3, 4, 5].map((i) => b.add(i));
      await new Promise((r) => setTimeout(r, 10));
      expect(batches).to.have.length(1); // waiting for the batch in flight
      gate.resolve();
      expect(await Promise.all([first, ...later])).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      expect(batches).to.deep.equal([[0], [1, 2, 3], [4, 5]]);
    });

    it('a batch refused as a whole is asked again item by item: only the bad item fails', async () => {
      const batches: string[][] = [];
      const b = new Batcher<string, string>(
        async (items) => {
          batches.push(items);
          if (items.includes('bad')) throw new Error('refused: bad');
          return items.map((i) => i.toUpperCase());
        },
        10,
        (err) => (err as Error).message.startsWith('refused'),
      );
      const results = await Promise.allSettled(['a', 'bad', 'c'].map((i) => b.add(i)));
      expect(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ).to.deep.equal(['A', 'refused: bad', 'C']);
      expect(batches).to.deep.equal([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    });

    it('an error split does not accept (MO down) fails the whole batch without asking each item; a short answer fails', async () => {
      let calls = 0;
      const down = new Batcher<string, string>(
        async () => {
          calls++;
          throw new Error('connect ECONNREFUSED');
        },
        10,
        () => false,
      );
      const results = await Promise.allSettled(['a', 'b'].map((i) => down.add(i)));
      expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
      expect(calls).to.equal(1);
      const short = new Batcher<string, string>(
        async () => ['only one'],
        10,
        () => false,
      );
      const [x, y] = await Promise.allSettled([short.add('a'), short.add('b')]);
      expect(x.status === 'rejected' && (x.reason as Error).message).to.equal(
        'a batch of 2 was answered with 1 results',
      );
      expect(y.status).to.equal('rejected');
    });
  });

  describe('against the MO emulator', () => {
    const fixture = generateFixture({ size: 'S', seed: 7 });
    let mo: MoEmulator;
    let client: MoClient;
    before(async () => {
      mo = await startMoEmulator({ fixture });
      client = createMoClient({
        settings: new Settings({ 'mora.base': mo.url, 'mora.retry.max_attempts': 1 }, 'test'),
        env: {},
      });
    });
    after(async () => {
      client.close();
      await mo.stop();
    });

    const current = <T extends { validities: unknown[] }>(o: T) =>
      validityAt(o.validities as never[], fixture.today) as Record<string, string | null> | undefined;

    it('owner look-ups: many subjects in one request, each mapped to its own owners (unknown → none)', async () => {
      const engagements = fixture.engagements.filter((e) => current(e)?.person).slice(0, 3);
      const address = fixture.addresses.find((a) => current(a)?.person)!;
      const unknown = '00000000-0000-4000-8000-00000000abcd';
      const before = mo.counters.total;
      const got = await ownerTargets(client, 'engagement', [...engagements.map((e) => e.uuid), unknown]);
      expect(mo.counters.total - before).to.equal(1);
      expect(got).to.deep.equal([
        ...engagements.map((e) => [{ kind: 'person', uuid: current(e)!.person }]),
        [],
      ]);
      // concurrent look-ups of one routing key share a request; another routing key has its own
      const owners = batchedOwners(client, () => true);
      const mark = mo.counters.total;
      const all = await Promise.all([
        ...engagements.map((e) => owners('engagement', e.uuid)),
        owners('address', address.uuid),
      ]);
      expect(mo.counters.total - mark).to.equal(2);
      expect(all.at(-1)).to.deep.include({ kind: 'person', uuid: current(address)!.person });
    });

    it('a subject MO cannot parse fails only its own look-up (the batch is asked again one by one)', async () => {
      const e = fixture.engagements.find((x) => current(x)?.person)!;
      const owners = batchedOwners(client, (err) => err instanceof MoError && err.status === 200);
      const [good, bad] = await Promise.allSettled([
        owners('engagement', e.uuid),
        owners('engagement', 'not-a-uuid'),
      ]);
      expect(good).to.deep.equal({
        status: 'fulfilled',
        value: [{ kind: 'person', uuid: current(e)!.person }],
      });
      expect(bad.status).to.equal('rejected');
      expect((bad as PromiseRejectedResult).reason).to.be.instanceOf(MoError);
    });

    it('acknowledges several events in one request; more than ACK_BATCH_MAX is refused before sending', async () => {
      const { event_listener_declare: l } = await client.query<{ event_listener_declare: { uuid: string } }>(
        declareListenerMutation,
        { user_key: 'batching-test', routing_key: 'person' },
      );
      const persons = fixture.persons.slice(0, 3).map((p) => p.uuid);
      for (const p of persons) mo.events.changed('person', p);
      const tokens: string[] = [];
      for (;;) {
        const { event_fetch: ev } = await client.query<{ event_fetch: { token: string } | null }>(
          fetchEventQuery,
          { listener: l.uuid },
        );
        if (!ev) break;
        tokens.push(ev.token);
      }
      expect(tokens).to.have.length(3);
      expect(mo.events.stats.pending).to.equal(3);
      const before = mo.counters.total;
      await ackEvents(client, tokens);
      expect(mo.counters.total - before).to.equal(1);
      expect(mo.events.stats.pending).to.equal(0);
      const tooMany = Array.from({ length: ACK_BATCH_MAX + 1 }, () => tokens[0]!);
      const sent = mo.counters.total;
      let error: Error | undefined;
      await ackEvents(client, tooMany).catch((e: Error) => (error = e));
      expect(error?.message).to.equal(`at most ${ACK_BATCH_MAX} events per acknowledgement, got 17`);
      expect(mo.counters.total).to.equal(sent);
    });
  });
});
