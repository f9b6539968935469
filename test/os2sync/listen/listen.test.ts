import { expect } from 'chai';
import { startListenHarness, waitFor, type ListenHarness } from './harness.js';

describe('job-runner listen: events → OS2sync', function () {
  this.timeout(60_000);
  let h: ListenHarness;

  beforeEach(async () => {
    h = await startListenHarness();
  });
  afterEach(() => h.stop());

  it('a person event re-syncs that person once (owner, listeners, ack), and SIGTERM exits 0', async () => {
    const run = await h.startListen();
    const st = h.status()!;
    expect(st.owner).to.match(/^[0-9a-f-]{36}$/);
    expect(st.listeners.map((l) => l.routing_key)).to.have.members([
      'person',
      'org_unit',
      'engagement',
      'address',
      'ituser',
      'kle',
      'manager',
      'class',
    ]);
    const person = h.exportedPersons()[0]!;
    h.mo.changes.update('persons', person, { given_name: 'Lyttet' });
    await waitFor(() => h.sends().length > 0, 10_000);
    await waitFor(() => h.mo.events.stats.pending === 0 && h.status()!.queue_depth === 0, 10_000);
    expect(h.sends()).to.deep.equal([`POST /api/user ${person}`]);
    const body = h.os2sync.requests.find((r) => r.method === 'POST')!.body as { Person: { Name: string } };
    expect(body.Person.Name).to.contain('Lyttet');
    run.child.kill('SIGTERM');
    const res = await run.done;
    expect(res.code).to.equal(0);
    expect(h.status()!.alive).to.equal(false);
  });

  it('a burst of 10 events on one person coalesces into one send; an event with no visible change sends nothing', async () => {
    await h.startListen();
    const person = h.exportedPersons()[1]!;
    // nothing changed: the re-sync is hash-gated
    h.mo.events.changed('person', person);
    await waitFor(() => (h.status()?.targets_synced ?? 0) >= 1 && h.mo.events.stats.pending === 0, 10_000);
    expect(h.sends()).to.deep.equal([]);
    for (let i = 0; i < 10; i++) h.mo.changes.update('persons', person, { surname: `Burst${i}` });
    await waitFor(() => h.sends().length > 0, 10_000);
    await waitFor(() => h.mo.events.stats.pending === 0 && h.status()!.queue_depth === 0, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sends()).to.deep.equal([`POST /api/user ${person}`]);
  });

  it('a burst of events on 40 persons is re-synced in one batch (one MO read), not one per event', async () => {
    const run = await h.startListen();
    const persons = h.exportedPersons().slice(0, 40);
    h.mo.setFaults({ latencyMs: 20 }); // each event takes a few MO round trips: the burst lasts a while
    for (const p of persons) h.mo.changes.update('persons', p, { surname: `Byge-${p.slice(0, 4)}` });
    await waitFor(() => h.mo.events.stats.pending === 0 && h.status()!.queue_depth === 0, 30_000);
    h.mo.setFaults({});
    run.child.kill('SIGTERM');
    const res = await run.done;
    const batches = res.stdout.split('\n').filter((l) => / re-synced \d+ target/.test(l));
    expect(batches, batches.join('\n')).to.have.length(1);
    expect(batches[0]).to.match(/re-synced 40 target\(s\): users 40 upserted/);
    expect([...h.sends()].sort()).to.deep.equal(persons.map((p) => `POST /api/user ${p}`).sort());
  });

  it('refuses to start twice on one state dir (exit 3)', async () => {
    await h.startListen();
    const { cli } = await import('../../cli/spawn-cli.js');
    const second = await cli(h.sb, ['listen']);
    expect(second.code).to.equal(3);
    expect(second.stderr.trim().split('\n')).to.have.length(1);
    expect(second.stderr).to.match(/already running/);
  });
});
