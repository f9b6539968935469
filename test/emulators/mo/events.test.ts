import { expect } from 'chai';
import { startMoEmulator, type MoEmulator } from './index.js';
import { gql } from './test-client.js';
import { NO_UUID_CLAIM_OWNER, UNKNOWN_ACTOR } from './events.js';

const DECLARE = `mutation($k: String!, $r: String!, $ns: String!) {
  event_listener_declare(input: { namespace: $ns, user_key: $k, routing_key: $r }) { uuid owner user_key routing_key namespace { name public } }
}`;
const FETCH = `query($l: UUID!) { event_fetch(filter: { listener: $l }) { subject priority token } }`;
const ACK = `mutation($t: EventToken!) { event_acknowledge(input: { token: $t }) }`;

describe('MO emulator: the event system (specs/events.md §5 items 1–8)', function () {
  let mo: MoEmulator;
  const person = (): string => mo.fixture.persons[0]!.uuid;

  async function declare(userKey: string, routingKey: string, ns = 'mo') {
    return gql(mo.graphqlUrl, DECLARE, { k: userKey, r: routingKey, ns });
  }
  async function fetchEvent(listener: string) {
    const r = await gql(mo.graphqlUrl, FETCH, { l: listener });
    return r.body.data?.event_fetch as { subject: string; priority: number; token: string } | null;
  }

  beforeEach(async () => {
    mo = await startMoEmulator({ size: 'S', seed: 3 });
  });
  afterEach(() => mo.stop());

  it('me.actor.uuid is the caller; without a uuid claim it is ffffffff-… and listeners belong to face1e55-…', async () => {
    const me = await gql(mo.graphqlUrl, '{ me { actor { uuid } } }');
    expect(me.body.data.me.actor.uuid).to.match(/^a11ce000-/);
    await mo.stop();
    mo = await startMoEmulator({ size: 'S', seed: 3, actorUuid: null });
    const anon = await gql(mo.graphqlUrl, '{ me { actor { uuid } } }');
    expect(anon.body.data.me.actor.uuid).to.equal(UNKNOWN_ACTOR);
    const l = await declare('x', 'person');
    expect(l.body.data.event_listener_declare.owner).to.equal(NO_UUID_CLAIM_OWNER);
  });

  it('declare is idempotent, keeps pending events, and fails with MO messages', async () => {
    const a = (await declare('k', 'person')).body.data.event_listener_declare;
    expect(a.namespace).to.deep.equal({ name: 'mo', public: true });
    mo.changes.update('persons', person(), { surname: 'X' });
    const b = (await declare('k', 'person')).body.data.event_listener_declare;
    expect(b.uuid).to.equal(a.uuid);
    expect(mo.events.stats.pending).to.equal(1);
    const clash = await declare('k', 'org_unit');
    expect(clash.body.errors[0].message).to.equal(
      'There already exists a listener with this user_key and a different routing_key',
    );
    const noNs = await declare('k2', 'person', 'nope');
    expect(noNs.body.errors[0].message).to.equal('Namespace does not exist');
    const send = await gql(
      mo.graphqlUrl,
      `mutation { event_send(input: { namespace: "mo", routing_key: "person", subject: "x" }) }`,
    );
    expect(send.body.errors[0].message).to.equal('You are not the owner of that namespace.');
  });

  it('no backfill; fetch hides a fetched event for 3 min (back-off), ack deletes it', async () => {
    mo.changes.update('persons', person(), { surname: 'Before' }); // no listener yet: lost
    const l = (await declare('k', 'person')).body.data.event_listener_declare.uuid;
    expect(await fetchEvent(l)).to.equal(null);
    mo.changes.update('persons', person(), { surname: 'After' });
    const e = (await fetchEvent(l))!;
    expect(e).to.include({ subject: person(), priority: 10000 });
    expect(await fetchEvent(l)).to.equal(null); // in back-off
    mo.events.clockOffsetMs += 3 * 60 * 1000 + 1000;
    const again = (await fetchEvent(l))!;
    expect(again.subject).to.equal(person());
    expect((await gql(mo.graphqlUrl, ACK, { t: again.token })).body.data.event_acknowledge).to.equal(true);
    expect(mo.events.stats.pending).to.equal(0);
  });

  it('a new event merges into an in-flight subject: the ack becomes a no-op and the event is fetchable at once', async () => {
    const l = (await declare('k', 'person')).body.data.event_listener_declare.uuid;
    mo.changes.update('persons', person(), { surname: 'One' });
    const first = (await fetchEvent(l))!;
    mo.changes.update('persons', person(), { surname: 'Two' });
    await gql(mo.graphqlUrl, ACK, { t: first.token });
    expect(mo.events.stats.pending).to.equal(1);
    expect(mo.events.stats.staleAcks).to.equal(1);
    const second = (await fetchEvent(l))!;
    expect(second.subject).to.equal(person());
    expect(second.token).to.not.equal(first.token);
  });

  it("someone else's listener answers null; an undecodable token is a variable error", async () => {
    const l = (await declare('k', 'person')).body.data.event_listener_declare.uuid;
    mo.changes.update('persons', person(), { surname: 'Z' });
    const other = await startMoEmulator({
      size: 'S',
      seed: 3,
      actorUuid: '0ba5e000-0000-4000-8000-000000000001',
    });
    try {
      // same listener uuid asked by another owner on the same event system
      other.events.listeners.set(l, { ...mo.events.listeners.get(l)! });
      expect((await gql(other.graphqlUrl, FETCH, { l })).body.data.event_fetch).to.equal(null);
    } finally {
      await other.stop();
    }
    const bad = await gql(mo.graphqlUrl, ACK, { t: 'not-a-token' });
    expect(bad.body.errors[0].message).to.match(/Could not parse EventToken/);
  });

  it('a lost fetch response: the row is claimed, the client gets no answer, the event returns after the back-off', async () => {
    const l = (await declare('k', 'person')).body.data.event_listener_declare.uuid;
    mo.changes.update('persons', person(), { surname: 'Lost' });
    mo.events.loseFetches = 1;
    let failed = false;
    await gql(mo.graphqlUrl, FETCH, { l }).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await fetchEvent(l)).to.equal(null);
    await fetch(`${mo.url}/testing/events/reset-last-tried`, { method: 'POST' });
    expect((await fetchEvent(l))!.subject).to.equal(person());
  });

  it('terminate, delete and a passing validity bound each emit an event; deleting a listener with pending events fails', async () => {
    const l = (await declare('k', 'engagement')).body.data.event_listener_declare.uuid;
    const eng = mo.fixture.engagements.find((e) => e.validities.some((v) => v.to === null))!;
    const today = mo.today();
    mo.changes.terminate('engagements', eng.uuid, today); // last day today: ends at midnight
    const e1 = (await fetchEvent(l))!;
    expect(e1.subject).to.equal(eng.uuid);
    await gql(mo.graphqlUrl, ACK, { t: e1.token });
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(mo.changes.advanceTo(tomorrow)).to.be.greaterThan(0);
    const pending = mo.events.pendingRows().map((r) => r.subject);
    expect(pending).to.include(eng.uuid);
    const del = await gql(
      mo.graphqlUrl,
      `mutation($u: UUID!) { event_listener_delete(input: { uuid: $u }) }`,
      {
        u: l,
      },
    );
    expect(del.body.errors[0].message).to.match(/pending events/);
    mo.changes.remove('engagements', eng.uuid);
    expect(mo.events.pendingRows().filter((r) => r.subject === eng.uuid)).to.have.length(1);
  });

  it('a generator delay makes events visible together after it', async () => {
    await mo.stop();
    mo = await startMoEmulator({ size: 'S', seed: 3, events: { generatorDelayMs: 1500 } });
    const l = (await declare('k', 'person')).body.data.event_listener_declare.uuid;
    mo.changes.update('persons', mo.fixture.persons[0]!.uuid, { surname: 'A' });
    mo.changes.update('persons', mo.fixture.persons[1]!.uuid, { surname: 'B' });
    expect(mo.events.stats.pending).to.equal(0); // not before the generator runs
    const until = Date.now() + 10_000;
    while (mo.events.stats.pending < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(mo.events.stats.pending).to.equal(2); // both in one run
    expect((await fetchEvent(l))!.subject).to.be.a('string');
  });
});
