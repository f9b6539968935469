/**
 * exports_os2sync when OS2sync misbehaves (fixture S: 300 persons, 40 units): one object OS2sync always answers
 * 500 is a failure of that object, not an outage; several different objects failing in a row, or refused
 * connections, stop sending; an unreachable OS2sync fails the job at start even when nothing changed in MO.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { healthUrl } from '../../jobs/clients/os2sync.js';
import { startHarness, type Harness } from './helpers/harness.js';

const cachedKeys = (h: Harness): string[] =>
  Object.keys((JSON.parse(fs.readFileSync(h.cacheFile(), 'utf8')) as { entries: object }).entries);

describe('OS2sync health route', () => {
  it('sits next to the API base, whatever prefix a proxy adds', () => {
    expect(healthUrl('http://h:8081/api')).to.equal('http://h:8081/manage/health');
    expect(healthUrl('https://proxy/os2sync/api/')).to.equal('https://proxy/os2sync/manage/health');
  });
});

describe('exports_os2sync: one bad object is not an outage', function () {
  this.timeout(120_000);
  let h: Harness;
  /** FK as a clean first night leaves it: unit and user uuids. */
  let reference: { units: string[]; users: string[] };
  before(async () => {
    h = await startHarness();
    await h.runJob();
    reference = { units: [...h.os2sync.state.orgUnits.keys()], users: [...h.os2sync.state.users.keys()] };
  });
  after(() => h.stop());
  beforeEach(() => h.fresh());

  it('one poisoned user among 300: every other object reaches FK, the job fails naming it and HTTP 500, the next night sends it again', async () => {
    expect(reference.users.length).to.be.greaterThan(250);
    const victim = reference.users[7]!;
    h.os2sync.setFaults({ poisonUuids: [victim] });
    const { result, ctx } = await h.runJob();

    expect(result.failed).to.equal(true);
    expect(result.message).to.contain(`1 object(s) failed`).and.contain(`user ${victim} (HTTP 500)`);
    expect(result.message).to.not.contain('unreachable');
    expect(result.counters).to.include({ users_failed: 1, units_failed: 0, failed: 1 });
    expect(result.warnings!.join('\n')).to.contain(victim).and.contain('HTTP 500');
    expect([...h.os2sync.state.orgUnits.keys()].sort()).to.deep.equal([...reference.units].sort());
    expect([...h.os2sync.state.users.keys()].sort()).to.deep.equal(
      reference.users.filter((u) => u !== victim).sort(),
    );
    expect(cachedKeys(h).some((k) => k.includes(victim))).to.equal(false);
    expect(ctx.logLines.some((l) => l.level === 'error' && l.message.includes('sending stopped'))).to.equal(
      false,
    );

    h.os2sync.setFaults({});
    h.os2sync.requests.length = 0;
    const next = await h.runJob();
    expect(next.result.failed, next.result.message).to.not.equal(true);
    expect(h.os2sync.mutations()).to.deep.equal(['POST /api/user']);
    expect((h.os2sync.apiRequests()[0]!.body as { Uuid: string }).Uuid).to.equal(victim);
    expect(h.os2sync.state.users.has(victim)).to.equal(true);
  });

  it('os2sync.down_after_failures different objects failing in a row stop sending', async () => {
    // From request 60 on everything answers 503: objects fail one after another (2 attempts each).
    h.os2sync.setFaults({ serverErrorFrom: { request: 60 } });
    const { result } = await h.runJob({ 'os2sync.down_after_failures': 3 });
    expect(result.failed).to.equal(true);
    expect(result.counters!.failed).to.equal(3);
    expect(result.message).to.match(
      /OS2sync unreachable, sending stopped \(3 different objects in a row failed \(os2sync\.down_after_failures\)/,
    );
    expect(h.os2sync.requests).to.have.length(59 + 3 * 2);
  });

  it('refused connections stop sending at once (no further object is tried)', async () => {
    h.os2sync.setFaults({ refuseConnectionsFrom: 40 });
    try {
      const { result, ctx } = await h.runJob();
      expect(result.failed).to.equal(true);
      expect(result.message).to.match(/OS2sync unreachable, sending stopped \(.*connection refused/);
      // request 40 was dropped (attempt 1), its retry refused: nothing else was attempted
      expect(result.counters!.os2sync_requests).to.equal(41);
      expect(result.counters!.failed).to.equal(0);
      expect(ctx.logLines.filter((l) => l.message.includes('sending stopped'))).to.have.length(1);
      const c = result.counters!;
      expect(cachedKeys(h).length)
        .to.equal(c.units_upserted + c.users_upserted + c.users_deleted)
        .and.be.greaterThan(10);
    } finally {
      await h.os2sync.acceptConnections();
    }
  });

  it('OS2sync down and nothing changed in MO: the job fails at start, before reading MO', async () => {
    await h.runJob();
    const moBefore = h.mo.counters.total;
    await h.os2sync.refuseConnections();
    let err: unknown;
    try {
      await h.runJob();
    } catch (e) {
      err = e;
    } finally {
      await h.os2sync.acceptConnections();
    }
    expect((err as Error).message).to.match(
      /^OS2sync unreachable at start: OS2sync GET \/manage\/health: connection refused .*; nothing was sent$/,
    );
    expect(h.mo.counters.total).to.equal(moBefore);
    h.os2sync.requests.length = 0;
    const again = await h.runJob();
    expect(again.result.failed, again.result.message).to.not.equal(true);
    expect(h.os2sync.mutations()).to.deep.equal([]);
  });
});
