/** The Rollekatalog and OS2phonebook emulators behave as specs/rollekatalog.md §1.4 and §2.3 describe the servers. */
import { expect } from 'chai';
import { startRollekatalogEmulator } from '../emulators/rollekatalog/server.js';
import { startOs2phonebookEmulator } from '../emulators/os2phonebook/server.js';

const U1 = '11111111-0000-4000-8000-000000000001';
const U2 = '11111111-0000-4000-8000-000000000002';
const P1 = '22222222-0000-4000-8000-000000000001';
const P2 = '22222222-0000-4000-8000-000000000002';

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })(),
  };
}

describe('Rollekatalog emulator', () => {
  const org = (users: unknown[], units?: unknown[]) => ({
    orgUnits: units ?? [
      { uuid: U1, name: 'Kommune', parentOrgUnitUuid: null, manager: { uuid: P1, userId: 'ANBE' } },
      { uuid: U2, name: 'Skole', parentOrgUnitUuid: U1, manager: { uuid: P2, userId: 'bobo' } },
    ],
    users,
  });
  const anne = { extUuid: P1, userId: 'anbe', name: 'Anne', positions: [{ name: 'Lærer', orgUnitUuid: U2 }] };
  const bo = { extUuid: P2, userId: 'bobo', name: 'Bo', positions: [] };

  it('rejects a whole upload for one bad record, keeping nothing', async () => {
    const rk = await startRollekatalogEmulator();
    try {
      const h = { ApiKey: rk.apiKey };
      for (const bad of [
        org([anne, { ...bo, name: '' }]),
        org([{ ...anne, positions: [{ name: 'X', orgUnitUuid: '99999999-0000-4000-8000-000000000000' }] }]),
        org([{ ...anne, positions: [{ name: '', orgUnitUuid: U2 }] }]),
        org(
          [anne],
          [
            { uuid: U1, name: 'A', parentOrgUnitUuid: null },
            { uuid: U2, name: 'B', parentOrgUnitUuid: null },
          ],
        ),
        org([{ ...anne, extUuid: 'not-a-uuid' }]),
      ]) {
        const res = await post(rk.url, bad, h);
        expect(res.status).to.equal(400);
        expect(res.json).to.have.keys('timestamp', 'status', 'error', 'path', 'message');
      }
      expect(rk.state.users.size).to.equal(0);
    } finally {
      await rk.stop();
    }
  });

  it('replaces the organisation: counters, soft delete by userId, managers only with matching extUuid', async () => {
    const rk = await startRollekatalogEmulator();
    try {
      const h = { ApiKey: rk.apiKey };
      const first = await post(rk.url, org([anne, bo]), h);
      expect(first.json).to.deep.equal({
        usersCreated: 2,
        usersUpdated: 0,
        usersDeleted: 0,
        ousCreated: 2,
        ousUpdated: 0,
        ousDeleted: 0,
      });
      expect(rk.state.units.get(U1)!.managerUserId).to.equal('anbe');
      const second = await post(rk.url, org([{ ...anne, userId: 'ANBE', name: 'Anne B' }]), h);
      expect(second.json).to.include({ usersUpdated: 1, usersDeleted: 1, usersCreated: 0 });
      expect(rk.state.users.get('bobo')!.deleted).to.equal(true);
      expect(rk.state.units.get(U2)!.managerUserId).to.equal(null);
      expect(rk.state.log.join('\n')).to.include('points to non-existent manager');
      expect((await post(rk.url, org([]), h)).json).to.include({ usersDeleted: 1 });
    } finally {
      await rk.stop();
    }
  });

  it('401 as an HTML page without the right ApiKey; titles 403 while disabled', async () => {
    const rk = await startRollekatalogEmulator({ titlesEnabled: false });
    try {
      const res = await post(rk.url, org([anne]), { ApiKey: 'wrong' });
      expect(res.status).to.equal(401);
      expect(res.json).to.equal(undefined);
      const titles = await fetch(rk.url.replace('organisation/v3', 'title'), {
        headers: { ApiKey: rk.apiKey },
      });
      expect(titles.status).to.equal(403);
    } finally {
      await rk.stop();
    }
  });
});

describe('OS2phonebook emulator', () => {
  it('needs Basic auth, refuses an empty body, replaces the index', async () => {
    const pb = await startOs2phonebookEmulator({ password: 'pw' });
    try {
      const auth = { Authorization: `Basic ${Buffer.from('dataloader:pw').toString('base64')}` };
      expect((await post(`${pb.baseUrl}load-employees`, { a: { uuid: 'a' } }, {})).status).to.equal(401);
      const empty = await post(`${pb.baseUrl}load-employees`, {}, auth);
      expect(empty.status).to.equal(400);
      expect(empty.json).to.have.nested.property('error.type', 'InvalidRequestBody');
      await post(`${pb.baseUrl}load-employees`, { a: { uuid: 'a' }, b: { uuid: 'b' } }, auth);
      const ok = await post(`${pb.baseUrl}load-employees`, { c: { uuid: 'c' } }, auth);
      expect(ok.json).to.deep.equal({ indexed: 1, total: 1 });
      expect([...pb.indexes.employees.keys()]).to.deep.equal(['c']);
    } finally {
      await pb.stop();
    }
  });
});
