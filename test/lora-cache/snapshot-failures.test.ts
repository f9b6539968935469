/** Paging (page size 1 = 500), and builds that fail, are cancelled or rebuilt: the previous snapshot stays whole. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { makeJobContext } from '../helpers/job-context.js';
import { runActual } from '../../jobs/lora-cache/run.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import { contentsWithoutIds, sha, withEmulatorS } from './snapshot-helpers.js';

describe('lora-cache snapshot: paging, failures and rebuilds', function () {
  this.timeout(120_000);
  const emu = withEmulatorS();
  const context = emu.context;

  it('page size 1 gives the same snapshot as page size 500', async function () {
    this.timeout(240_000);
    const a = context({ 'mora.page_size': 500 });
    const b = context({ 'mora.page_size': 1, 'mora.max_in_flight': 8 });
    await runActual(a);
    await runActual(b);
    const fa = path.join(a.paths.cache, 'actual_state.db');
    const fb = path.join(b.paths.cache, 'actual_state.db');
    expect(contentsWithoutIds(fb)).to.deep.equal(contentsWithoutIds(fa));
  });

  it('a build failing halfway leaves the previous snapshot untouched and no temp file', async () => {
    const ctx = context({ 'mora.page_size': 50 });
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const before = sha(file);
    emu.mo.reset();
    emu.mo.setFaults({
      fieldErrors: [{ field: 'engagements', call: 3, message: 'injected resolver failure' }],
    });
    try {
      await runActual(context({ 'mora.page_size': 50 }, ctx.paths.state)).then(
        () => expect.fail('the build should fail'),
        (err: Error) =>
          expect(err.message).to.match(/LoraCacheEngagementsValidities: injected resolver failure/),
      );
    } finally {
      emu.mo.setFaults({});
      emu.mo.reset();
    }
    expect(sha(file)).to.equal(before);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o400);
    expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('a disk filling up halfway (a real SQLITE_FULL in the writer thread) fails the job with one line, the previous snapshot untouched', async () => {
    const probe = context({ 'mora.page_size': 50 });
    await runActual(probe);
    const size = fs.statSync(path.join(probe.paths.cache, 'actual_state.db')).size;
    // a tmpfs of 1.5 snapshots: the first build fits, the second cannot be written beside it
    const ctx = context({ 'mora.page_size': 50 });
    fs.mkdirSync(ctx.paths.cache, { recursive: true, mode: 0o700 });
    const kb = Math.ceil((size * 1.5) / 1024);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k,mode=0700`, 'tmpfs', ctx.paths.cache]);
    try {
      await runActual(ctx);
      const file = path.join(ctx.paths.cache, 'actual_state.db');
      const before = sha(file);
      await runActual(ctx).then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.equal('database or disk is full'),
      );
      expect(sha(file)).to.equal(before);
      expect(fs.readdirSync(ctx.paths.cache)).to.deep.equal(['actual_state.db']);
      expect(fs.statfsSync(ctx.paths.cache).bavail).to.be.greaterThan(0); // the temp file's space is freed
    } finally {
      execFileSync('umount', [ctx.paths.cache]);
    }
  });

  it('cancelled mid-build (SIGTERM/timeout): the job fails, the previous snapshot stays, leftovers of killed builds go', async () => {
    const ctx = context({ 'mora.page_size': 20 });
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const before = sha(file);
    const leftover = `${file}.tmp-999999-deadbeef`;
    fs.writeFileSync(leftover, 'half a snapshot from a killed build', { mode: 0o600 });
    const abort = new AbortController();
    const c2 = makeJobContext(
      'exports_cache_loracache',
      { 'mora.base': emu.mo.url, 'mora.page_size': 20 },
      { stateDir: ctx.paths.state, signal: abort.signal },
    );
    let calls = 0;
    c2.progress = () => {
      if (++calls === 5) abort.abort('timeout');
    };
    await runActual(c2).then(
      () => expect.fail('should be cancelled'),
      (err: Error) => {
        expect(err).to.be.instanceOf(Error);
        expect(err.message)
          .to.match(/timeout|abort/i)
          .and.not.include('\n');
      },
    );
    expect(calls).to.be.at.least(5);
    expect(sha(file)).to.equal(before);
    expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('rebuilds over an existing read-only snapshot; the temp file is 0600 while written', async () => {
    const ctx = context();
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const modes: number[] = [];
    const progress = ctx.progress;
    ctx.progress = (done, total, what) => {
      for (const f of fs.readdirSync(ctx.paths.cache).filter((x) => x.includes('.tmp-')))
        modes.push(fs.statSync(path.join(ctx.paths.cache, f)).mode & 0o777);
      progress(done, total, what);
    };
    const firstBuild = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    const oldStart = firstBuild.info.buildStarted;
    firstBuild.close();
    await runActual(ctx);
    expect(modes.length).to.be.greaterThan(0);
    // 0600 while written; the writer thread commits (chmod 0400, then rename) while this thread may still be
    // handling its last progress messages, so the temp file may also be seen with its final mode
    expect(modes).to.include(0o600);
    expect([...new Set(modes)].filter((m) => m !== 0o600 && m !== 0o400)).to.deep.equal([]);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o400);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    expect(r.info.buildStarted.getTime()).to.be.greaterThan(oldStart.getTime());
    r.close();
  });
});
