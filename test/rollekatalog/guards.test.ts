/** The guards against wiping a server: an empty phonebook is never loaded, an empty title list never posted. */
import fs from 'node:fs';
import { expect } from 'chai';
import { exportsCacheLoracache } from '../../jobs/lora-cache/definition.js';
import { exportsOs2phonebookExport } from '../../jobs/os2phonebook/definition.js';
import { syncTitles } from '../../jobs/rollekatalog/titles.js';
import { startMoEmulator } from '../emulators/mo/index.js';
import { startOs2phonebookEmulator } from '../emulators/os2phonebook/server.js';
import { startRollekatalogEmulator } from '../emulators/rollekatalog/server.js';
import { FixtureBuilder } from '../fixtures/builder.js';
import { makeJobContext, makeTempDir } from '../helpers/job-context.js';
import { createJsonUploadClient } from '../../jobs/clients/json-upload.js';

describe('upload guards', function () {
  this.timeout(60_000);

  it('OS2phonebook: a municipality without employees is not loaded (the server would empty the index)', async () => {
    const b = new FixtureBuilder();
    b.unit('Andeby Kommune', { parent: null });
    const mo = await startMoEmulator({ fixture: b.fixture });
    const pb = await startOs2phonebookEmulator();
    const stateDir = makeTempDir('jr-pb-empty-');
    try {
      const runStartedAt = new Date();
      await (
        await exportsCacheLoracache.load()
      ).run(makeJobContext('exports_cache_loracache', { 'mora.base': mo.url }, { stateDir, runStartedAt }));
      const ctx = makeJobContext(
        'exports_os2phonebook_export',
        {
          'exporters.os2phonebook_base_url': pb.baseUrl,
          'exporters.os2phonebook_basic_auth_pass': pb.password,
        },
        { stateDir, runStartedAt },
      );
      const result = await (await exportsOs2phonebookExport.load()).run(ctx);
      expect(result.failed).to.equal(true);
      expect(result.message).to.include('an empty load would wipe the phonebook');
      expect(pb.requests).to.have.length(0);
    } finally {
      await pb.stop();
      await mo.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('Rollekatalog titles: an empty list is never posted (it would deactivate every title)', async () => {
    const rk = await startRollekatalogEmulator();
    try {
      const client = createJsonUploadClient({
        headers: { ApiKey: rk.apiKey },
        verifyTls: true,
        timeoutMs: 5000,
        maxAttempts: 1,
        baseDelayMs: 10,
        maxDelayMs: 10,
      });
      const url = rk.url.replace('organisation/v3', 'title');
      expect(await syncTitles(client, url, [])).to.deep.equal({ state: 'empty' });
      expect(rk.requests).to.have.length(0);
      const one = [{ uuid: 'c0000000-0000-4000-8000-000000000001', name: 'LAERER' }];
      expect((await syncTitles(client, url, one)).state).to.equal('posted');
      expect((await syncTitles(client, url, one)).state).to.equal('unchanged');
      expect(rk.requests.map((r) => r.method)).to.deep.equal(['GET', 'POST', 'GET']);
    } finally {
      await rk.stop();
    }
  });
});
