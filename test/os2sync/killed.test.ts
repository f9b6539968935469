/** Spec §3.4: a process killed mid-run leaves the previous cache intact; the next run finishes the work. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadHashCache } from '../../jobs/os2sync/hash-cache.js';
import { startHarness, type Harness } from './helpers/harness.js';

describe('exports_os2sync killed mid-run', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('SIGKILL while sending leaves a valid cache (the previous one); the next run sends the rest and succeeds', async () => {
    await h.runJob();
    const before = fs.readFileSync(h.cacheFile(), 'utf8');
    const renamed = { 'os2sync.templates': { 'person.name': '{{ surname }}, {{ givenname }}' } };
    h.os2sync.requests.length = 0;
    h.os2sync.setFaults({ latencyMs: 15 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve('test/os2sync/helpers/run-job-child.ts'),
        h.stateDir,
        JSON.stringify(h.settings(renamed)),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? -9 : _code)),
    );
    const deadline = Date.now() + 30_000;
    while (h.os2sync.mutations().length < 40 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).to.equal(-9);
    expect(output).not.to.contain('done');
    const sentBeforeKill = h.os2sync.mutations().length;
    expect(sentBeforeKill).to.be.greaterThan(39);

    expect(fs.readFileSync(h.cacheFile(), 'utf8')).to.equal(before);
    expect(() => loadHashCache(h.cacheFile())).not.to.throw();

    h.os2sync.setFaults({});
    h.os2sync.requests.length = 0;
    const { result } = await h.runJob(renamed);
    expect(result.failed, result.message).to.not.equal(true);
    expect(result.counters!.users_upserted).to.be.greaterThan(sentBeforeKill);
    h.os2sync.requests.length = 0;
    await h.runJob(renamed);
    expect(h.os2sync.mutations()).to.deep.equal([]);
  });
});
