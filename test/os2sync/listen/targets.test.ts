import { expect } from 'chai';
import { addDays } from '../../fixtures/dates.js';
import { validityAt } from '../../fixtures/context.js';
import { startListenHarness, waitFor, type ListenHarness } from './harness.js';

describe('job-runner listen: routing keys → targets → OS2sync requests', function () {
  this.timeout(240_000);
  let h: ListenHarness;

  beforeEach(async () => {
    h = await startListenHarness();
  });
  afterEach(() => h.stop());

  /** Waits until MO has nothing pending for us and the queue is empty, then a little longer. */
  async function settled(): Promise<void> {
    // MO has nothing pending (every event acked, so its targets are queued), then a status written after that
    await waitFor(() => h.mo.events.stats.pending === 0, 90_000).catch((e: Error) => {
      throw new Error(
        `${e.message}: MO ${JSON.stringify(h.mo.events.stats)}, listen ${JSON.stringify(h.status())}`,
      );
    });
    const since = Date.now();
    const ok = () => Date.parse(h.status()?.heartbeat ?? '') > since && h.status()?.queue_depth === 0;
    await waitFor(ok, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify({ mo: h.mo.events.stats, listen: h.status() })}`);
    });
  }

  const today = (): string => h.fixture.today;
  const currentEngagements = (person: string) =>
    h.fixture.engagements.filter((e) => {
      const v = validityAt(e.validities, today());
      return v && v.person === person;
    });
  /** An exported person with exactly one current engagement. */
  const singleEngagementPerson = (skip: string[] = []): string =>
    h.exportedPersons().find((p) => !skip.includes(p) && currentEngagements(p).length === 1)!;

  it('engagement, address, org_unit, kle, class and unknown subjects map to the right targets (and nothing unchanged is sent)', async () => {
    await h.startListen();
    // engagement terminated → the person has no positions left → deleted from FK
    const p1 = singleEngagementPerson();
    h.mo.changes.terminate('engagements', currentEngagements(p1)[0]!.uuid);
    await settled();
    expect(h.sends()).to.deep.equal([`DELETE /api/user ${p1}`]);

    // a person's address → that person
    let mark = h.os2sync.requests.length;
    const email = h.fixture.addresses.find((a) => {
      const v = validityAt(a.validities, today());
      return v && v.person && v.person !== p1 && h.exportedPersons().includes(v.person) && /@/.test(v.value);
    })!;
    const owner = validityAt(email.validities, today())!.person!;
    h.mo.changes.update('addresses', email.uuid, { value: 'ny@example.dk', name: 'ny@example.dk' });
    await settled();
    expect(h.sends(mark)).to.deep.equal([`POST /api/user ${owner}`]);

    // a unit rename → the unit (its persons are re-synced too, hash-gated: unchanged)
    mark = h.os2sync.requests.length;
    const unit = [...h.os2sync.state.orgUnits.values()].find(
      (u) => u.status === 'active' && u.record.Uuid !== h.fixture.landmarks.rootUnit,
    )!.record.Uuid;
    h.mo.changes.update('org_units', unit, { name: 'Omdøbt enhed' });
    await settled();
    expect(h.sends(mark)).to.deep.equal([`POST /api/orgUnit ${unit}`]);

    // kle (not exported by default) and a subject that no longer exists → acked, nothing sent
    mark = h.os2sync.requests.length;
    const kle = h.fixture.kles[0]!;
    h.mo.changes.update('kles', kle.uuid, { user_key: 'changed' });
    h.mo.events.changed('person', '00000000-0000-4000-8000-00000000dead');
    h.mo.events.changed('manager', '00000000-0000-4000-8000-00000000beef');
    await settled();
    expect(h.sends(mark)).to.deep.equal([]);

    // a job function rename → every exported person whose engagement uses it
    mark = h.os2sync.requests.length;
    const p2 = singleEngagementPerson([p1, owner]);
    const jf = validityAt(currentEngagements(p2)[0]!.validities, today())!.job_function;
    const oldName = validityAt(h.fixture.classes.find((c) => c.uuid === jf)!.validities, today())!.name;
    // the exported persons holding a position with that title
    const users = new Set(
      [...h.os2sync.state.users.values()]
        .filter((u) => u.status === 'active' && u.record.Positions.some((pos) => pos.Name === oldName))
        .map((u) => u.record.Uuid),
    );
    expect(users.size).to.be.greaterThan(0);
    h.mo.changes.update('classes', jf, { name: 'Ny stillingsbetegnelse' });
    await settled();
    const sent = h.sends(mark);
    expect(sent.every((s) => s.startsWith('POST /api/user '))).to.equal(true);
    expect(new Set(sent.map((s) => s.split(' ')[2]))).to.deep.equal(users);
    expect(sent).to.have.length(users.size); // each once
    expect(h.status()!.events_acked).to.equal(h.status()!.events_fetched);
  });

  it('a unit moved out of the top unit’s subtree: its units and persons leave FK', async () => {
    await h.startListen();
    const root = h.fixture.landmarks.rootUnit;
    const units = h.fixture.org_units;
    const parentOf = (u: string) => validityAt(units.find((x) => x.uuid === u)!.validities, today())?.parent;
    // a unit under the root with children
    const moved = units.find((u) => {
      const v = validityAt(u.validities, today());
      return (
        v && v.parent === root && units.some((c) => validityAt(c.validities, today())?.parent === u.uuid)
      );
    })!.uuid;
    const subtree = new Set([moved]);
    for (let grew = true; grew;) {
      grew = false;
      for (const u of units)
        if (!subtree.has(u.uuid) && subtree.has(parentOf(u.uuid) ?? '')) {
          subtree.add(u.uuid);
          grew = true;
        }
    }
    const exportedUnits = [...subtree].filter((u) => h.os2sync.state.orgUnits.get(u)?.status === 'active');
    const inside = h.exportedPersons().filter((p) => {
      const engs = currentEngagements(p);
      return engs.length > 0 && engs.every((e) => subtree.has(validityAt(e.validities, today())!.org_unit));
    });
    expect(exportedUnits.length).to.be.greaterThan(1);
    expect(inside.length).to.be.greaterThan(0);
    h.mo.changes.moveUnit(moved, null); // a top-level unit now: outside the exported tree
    await settled();
    const deletedUnits = h.sends().filter((s) => s.startsWith('DELETE /api/orgUnit'));
    expect(deletedUnits.map((s) => s.split(' ')[2]).sort()).to.deep.equal(exportedUnits.sort());
    expect(deletedUnits.at(-1)).to.equal(`DELETE /api/orgUnit ${moved}`); // bottom-up: the moved unit last
    // each of its persons is gone from FK, or kept only with positions outside the moved subtree
    for (const p of inside) {
      const fk = h.os2sync.state.users.get(p);
      const left =
        fk?.status !== 'active' || fk.record.Positions.every((pos) => !subtree.has(pos.OrgUnitUuid));
      expect(left, `person ${p}`).to.equal(true);
    }
    expect(h.sends().filter((s) => s.startsWith('DELETE /api/user')).length).to.be.greaterThan(0);
  });

  it('an engagement ending at midnight arrives as a validity-boundary event and deletes the person', async () => {
    const p = singleEngagementPerson();
    const eng = currentEngagements(p)[0]!;
    // registered long ago: the engagement's last day was yesterday; MO's generator last ran yesterday
    validityAt(eng.validities, today())!.to = addDays(today(), -1);
    eng.validities = eng.validities.filter((v) => v.from === null || v.from < today());
    h.mo.changes.setDate(addDays(today(), -1));
    await h.startListen();
    const n = h.mo.changes.advanceTo(today()); // midnight passes
    expect(n).to.be.greaterThan(0);
    expect(h.mo.events.pendingRows().map((r) => r.subject)).to.include(eng.uuid);
    await settled();
    expect(h.sends()).to.include(`DELETE /api/user ${p}`);
  });
});
