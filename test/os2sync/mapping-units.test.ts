/** Spec §2.3, §2.4, §2.10 on hand-made models: which units are exported and what their payload holds. */
import { expect } from 'chai';
import { buildPayloads } from '../../jobs/os2sync/build.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import type { Os2syncConfig } from '../../jobs/os2sync/config.js';
import type { MoModel } from '../../jobs/os2sync/model.js';
import {
  address,
  config,
  itUser,
  model,
  person,
  engagement,
  TOP,
  u,
  unit,
  SYSTEM_OTHER,
} from './helpers/model.js';

const A = u(2, 'a');
const B = u(3, 'a');
const C = u(4, 'a');
const OUTSIDE = u(5, 'a');
const LEVEL = u(1, '7');
const TYPE = u(2, '7');
const LINJE = u(3, '7');
const SIKKERHED = u(4, '7');

function build(m: MoModel, over: Partial<Os2syncConfig> = {}) {
  return buildPayloads(m, config(over), new Map());
}
const unitsOf = (b: ReturnType<typeof build>) => b.units.map((x) => x.moUuid);
const payloadOf = (b: ReturnType<typeof build>, mo: string) => b.units.find((x) => x.moUuid === mo)!.payload;

/** TOP ─ A ─ C, TOP ─ B; OUTSIDE is another root. */
function tree(over: Record<string, Partial<ReturnType<typeof unit>>> = {}) {
  return [
    unit(TOP, u(99, 'a'), over[TOP]),
    unit(A, TOP, over[A]),
    unit(B, TOP, over[B]),
    unit(C, A, over[C]),
    unit(OUTSIDE, null, over[OUTSIDE]),
  ];
}

describe('os2sync mapping: units in scope (§2.3)', () => {
  it('exports the top unit and its subtree, parent before child, siblings by uuid; never other roots', () => {
    const b = build(model(tree(), [person(1)]));
    expect(unitsOf(b)).to.deep.equal([TOP, A, B, C]);
  });

  it('sends ParentOrgUnitUuid null for the top unit even when it has an MO parent', () => {
    const b = build(model(tree(), [person(1)]));
    expect(payloadOf(b, TOP).ParentOrgUnitUuid).to.equal(null);
    expect(payloadOf(b, C).ParentOrgUnitUuid).to.equal(A);
  });

  it('drops units whose level or type is ignored; their children still point at them, with a warning', () => {
    const b = build(model(tree({ [A]: { level: LEVEL }, [B]: { type: TYPE } }), [person(1)]), {
      ignoredLevels: [LEVEL],
      ignoredTypes: [TYPE],
    });
    expect(unitsOf(b)).to.deep.equal([TOP, C]);
    expect(payloadOf(b, C).ParentOrgUnitUuid).to.equal(A);
    expect(b.warnings.join('\n')).to.contain(
      `unit ${C} is exported under parent ${A}, which is not exported`,
    );
  });

  it('a unit without level/type is never ignored; the top unit is exported even when ignored', () => {
    const b = build(model(tree({ [TOP]: { level: LEVEL } }), [person(1)]), { ignoredLevels: [LEVEL] });
    expect(unitsOf(b)).to.deep.equal([TOP, A, B, C]);
  });

  it('filter_hierarchy_names: only units with their own matching class (not inherited); the top always', () => {
    const units = tree({ [A]: { hierarchy: LINJE }, [B]: { hierarchy: SIKKERHED } });
    const b = build(
      model(
        units,
        [person(1)],
        [
          [LINJE, 'Linjeorganisation'],
          [SIKKERHED, 'Sikkerhedsorganisation'],
        ],
      ),
      {
        filterHierarchyNames: ['Linjeorganisation'],
      },
    );
    expect(unitsOf(b)).to.deep.equal([TOP, A]);
  });

  it('filter_hierarchy_names matching no class is a settings error naming the key', () => {
    expect(() =>
      build(model(tree(), [person(1)], [[LINJE, 'Linjeorganisation']]), { filterHierarchyNames: ['Nope'] }),
    ).to.throw(JobSettingsError, /os2sync.filter_hierarchy_names/);
  });

  it('a top unit missing from MO aborts', () => {
    expect(() => build(model([unit(A, null)], [person(1)]))).to.throw(/os2sync.top_unit_uuid/);
  });
});

describe('os2sync mapping: OrgUnit payload (§2.4)', () => {
  it('maps addresses by scope and user_key, sends only visible ones, last one wins', () => {
    const addresses = [
      address(1, 'EMAIL', 'a@x.dk'),
      address(2, 'EAN', '5798000000001'),
      address(3, 'PHONE', '11111111'),
      address(4, 'DAR', 'Nørregade 1, 9999 By'),
      address(5, 'PNUMBER', '1234567890'),
      address(6, 'TEXT', 'Man-fre 8-16', { typeUserKey: 'ContactOpenHours' }),
      address(7, 'TEXT', 'DTR1', { typeUserKey: 'DtrId' }),
      address(8, 'TEXT', 'ignored', { typeUserKey: 'Other' }),
      address(9, 'WWW', 'https://x.dk'),
      address(10, 'PHONE', '22222222', { visibilityScope: 'SECRET' }),
      address(11, 'EMAIL', 'b@x.dk', { visibilityScope: 'PUBLIC' }),
    ];
    const p = payloadOf(build(model([unit(TOP, null, { addresses })], [person(1)])), TOP);
    expect(p).to.deep.equal({
      Uuid: TOP,
      Name: p.Name,
      ParentOrgUnitUuid: null,
      ItSystems: [],
      Email: 'b@x.dk',
      Ean: '5798000000001',
      PhoneNumber: '11111111',
      Post: 'Nørregade 1, 9999 By',
      PNR: '1234567890',
      ContactOpenHours: 'Man-fre 8-16',
      DtrId: 'DTR1',
    });
  });

  it('sends the P-number as Location with os2sync.pnumber_field = Location', () => {
    const p = payloadOf(
      build(model([unit(TOP, null, { addresses: [address(5, 'PNUMBER', '1234567890')] })], [person(1)]), {
        pnumberField: 'Location',
      }),
      TOP,
    );
    expect(p.Location).to.equal('1234567890');
    expect(p).not.to.have.property('PNR');
  });

  it('lists the IT systems of the unit, de-duplicated and sorted, without uuid systems', () => {
    const itUsers = [itUser(1, 'Other', 'x'), itUser(2, 'Other', 'y'), itUser(3, 'FK-ORG UUID', u(50, '5'))];
    const p = payloadOf(
      build(model([unit(TOP, null, { itUsers })], [person(1)]), { uuidFromItSystems: ['FK-ORG UUID'] }),
      TOP,
    );
    expect(p.ItSystems).to.deep.equal([SYSTEM_OTHER]);
  });

  it('KLE default: Tasks = every KLE number (any aspect), sorted, unique', () => {
    const kles = [
      { uuid: u(1, '6'), numberUuid: u(3, '4'), aspects: ['Udførende'] },
      { uuid: u(2, '6'), numberUuid: u(1, '4'), aspects: ['Indsigt'] },
      { uuid: u(3, '6'), numberUuid: u(2, '4'), aspects: ['Ansvarlig', 'Udførende'] },
    ];
    const p = payloadOf(build(model([unit(TOP, null, { kles })], [person(1)])), TOP);
    expect(p.Tasks).to.deep.equal([u(1, '4'), u(2, '4'), u(3, '4')]);
    expect(p).not.to.have.property('ContactForTasks');
  });

  it('KLE with use_contact_for_tasks: Udførende → Tasks, Ansvarlig → ContactForTasks, Indsigt dropped; enable_kle off sends none', () => {
    const kles = [
      { uuid: u(1, '6'), numberUuid: u(3, '4'), aspects: ['Udførende'] },
      { uuid: u(2, '6'), numberUuid: u(1, '4'), aspects: ['Indsigt'] },
      { uuid: u(3, '6'), numberUuid: u(2, '4'), aspects: ['Ansvarlig', 'Udførende'] },
    ];
    const m = () => model([unit(TOP, null, { kles })], [person(1)]);
    const p = payloadOf(build(m(), { useContactForTasks: true }), TOP);
    expect(p.Tasks).to.deep.equal([u(2, '4'), u(3, '4')]);
    expect(p.ContactForTasks).to.deep.equal([u(2, '4')]);
    const off = payloadOf(build(m(), { enableKle: false }), TOP);
    expect(off).not.to.have.property('Tasks');
  });

  it('sync_managers: one manager → ManagerUuid (its FK user uuid); vacant or none → omitted; several → omitted + error', () => {
    const boss = person(1, { itUsers: [itUser(9, 'FK-ORG UUID', u(77, '7'))] });
    const units = [
      unit(TOP, null, { managers: [boss.uuid] }),
      unit(A, TOP, { managers: [null] }),
      unit(B, TOP, { managers: [person(2).uuid, person(3).uuid] }),
      unit(C, A),
    ];
    const b = build(model(units, [boss, person(2), person(3)]), {
      syncManagers: true,
      uuidFromItSystems: ['FK-ORG UUID'],
    });
    expect(payloadOf(b, TOP).ManagerUuid).to.equal(u(77, '7'));
    expect(payloadOf(b, A)).not.to.have.property('ManagerUuid');
    expect(payloadOf(b, B)).not.to.have.property('ManagerUuid');
    expect(payloadOf(b, C)).not.to.have.property('ManagerUuid');
    expect(b.errors.join('\n')).to.contain(`unit ${B} has 2 managers`);
    const off = build(model(units, [boss]), {});
    expect(payloadOf(off, TOP)).not.to.have.property('ManagerUuid');
  });

  it('uuid_from_it_systems: unit uuid, parent uuid and position unit come from the first listed system; MO uuid object deleted once', () => {
    const fkTop = u(10, '5');
    const fkA = u(11, '5');
    const fkAother = u(12, '5');
    const units = [
      unit(TOP, null, { itUsers: [itUser(1, 'FK-ORG UUID', fkTop)] }),
      unit(A, TOP, { itUsers: [itUser(2, 'Other', fkAother), itUser(3, 'FK-ORG UUID', fkA.toUpperCase())] }),
      unit(B, TOP, { itUsers: [itUser(4, 'FK-ORG UUID', 'not-a-uuid')] }),
    ];
    const p = person(1, { engagements: [engagement(1, A, 'Pedel')] });
    const b = build(model(units, [p]), { uuidFromItSystems: ['FK-ORG UUID', 'Other'] });
    expect(payloadOf(b, TOP).Uuid).to.equal(fkTop);
    expect(payloadOf(b, A)).to.include({ Uuid: fkA, ParentOrgUnitUuid: fkTop });
    expect(payloadOf(b, B)).to.include({ Uuid: B, ParentOrgUnitUuid: fkTop });
    expect(b.users[0]!.payload.Positions[0]!.OrgUnitUuid).to.equal(fkA);
    expect(b.supersededUnits).to.deep.equal([TOP, A].sort());
    const single = build(model(units, [p]), { uuidFromItSystems: ['Other'] });
    expect(payloadOf(single, A).Uuid).to.equal(fkAother);
    expect(payloadOf(single, TOP).Uuid).to.equal(TOP);
  });

  it('trims strings and truncates them to max(36, truncate_length) with a warning; UUIDs survive', () => {
    const long = `  ${'x'.repeat(60)}  `;
    const b = build(model([unit(TOP, null, { name: long })], [person(1)]), { truncateLength: 36 });
    expect(payloadOf(b, TOP).Name).to.equal('x'.repeat(36));
    expect(b.truncations).to.deep.equal([{ key: 'Name', uuid: TOP }]);
  });
});
