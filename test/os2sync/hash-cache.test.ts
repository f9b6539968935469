/** Spec §3 and decisions 6, 8: canonical JSON, hashes, the cache file. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { canonicalJson, payloadHash } from '../../jobs/os2sync/canonical.js';
import { HashCache, loadHashCache } from '../../jobs/os2sync/hash-cache.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { makeTempDir } from '../helpers/job-context.js';

describe('os2sync hash cache', () => {
  it('canonical JSON is the legacy form (legacy SHA-224 test vectors reproduce)', () => {
    expect(payloadHash({}, 'delete', 'sha224')).to.equal(
      '588e0c0d870674b1794c7375b7c8a4b65764a0976541a07638f73d8e',
    );
    const unit = {
      Uuid: '22222222-2222-4222-8222-222222222222',
      Name: 'Borgerservice',
      ParentOrgUnitUuid: '11111111-1111-4111-8111-111111111111',
      ItSystems: [],
    };
    expect(payloadHash(unit, 'upsert', 'sha224')).to.equal(
      'f8cd485de940d39ef93736dc08ad04b44e68c5fd944601d296ea6579',
    );
    const user = {
      UserId: 'jdoe',
      Uuid: '33333333-3333-4333-8333-333333333333',
      Positions: [{ OrgUnitUuid: '22222222-2222-4222-8222-222222222222', Name: 'Sagsbehandler' }],
      Person: { Name: 'Jens Ærø', Cpr: null },
    };
    expect(canonicalJson(user.Person)).to.equal('{"Cpr": null, "Name": "Jens \\u00c6r\\u00f8"}');
    expect(payloadHash(user, 'upsert', 'sha224')).to.equal(
      '5d076ba6bea035ea20ad3286930215f7358805c7506dd438fb5831d7',
    );
    expect(payloadHash(user, 'upsert')).to.match(/^[0-9a-f]{64}$/);
    expect(payloadHash(user, 'upsert')).not.to.equal(payloadHash(user, 'delete'));
  });

  it('a missing file is an empty cache; saved files are versioned, sorted, mode 0600, and load back', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'sub', 'cache.json');
    const cache = loadHashCache(file);
    expect(cache.size).to.equal(0);
    cache.record('/user/b', { x: 1 }, 'upsert');
    cache.record('/orgUnit/a', { y: 1 }, 'upsert', null);
    cache.record('/user/c', {}, 'delete');
    cache.save();
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(json.version).to.equal(1);
    expect(Object.keys(json.entries)).to.deep.equal(['/orgUnit/a', '/user/b', '/user/c']);
    const again = loadHashCache(file);
    expect(again.unchanged('/user/b', { x: 1 }, 'upsert')).to.equal(true);
    expect(again.unchanged('/user/b', { x: 2 }, 'upsert')).to.equal(false);
    expect(again.exportedEarlier('user').map((e) => e.uuid)).to.deep.equal(['b']);
    expect(again.serialize()).to.equal(fs.readFileSync(file, 'utf8'));
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['cache.json']);
  });

  it('a corrupt or foreign file is a one-line settings error naming os2sync.hash_cache', () => {
    const dir = makeTempDir();
    for (const text of [
      '{not json',
      '{"/user/x": "abc"}',
      '{"version": 1, "entries": {"/user/x": {"op": "upsert", "hash": "zz"}}}',
    ]) {
      const file = path.join(dir, 'c.json');
      fs.writeFileSync(file, text);
      let err: unknown;
      try {
        loadHashCache(file);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(JobSettingsError);
      expect((err as Error).message)
        .to.match(/^os2sync\.hash_cache: .* delete it/)
        .and.not.contain('\n');
    }
    expect(HashCache.key('user', 'x')).to.equal('/user/x');
  });

  it("DIPEX's old cache file is not reused: an empty cache and a warning (full resend)", () => {
    const file = path.join(makeTempDir(), 'os2sync_hash_cache');
    fs.writeFileSync(
      file,
      JSON.stringify({ '/user/x': '588e0c0d870674b1794c7375b7c8a4b65764a0976541a07638f73d8e' }, null, 4),
    );
    const warnings: string[] = [];
    expect(loadHashCache(file, (m) => warnings.push(m)).size).to.equal(0);
    expect(warnings[0]).to.contain('old hash cache');
  });
});
