/** The build's writer thread on its own: a page it cannot map, and a stop mid-build, end it and leave no file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { WriterThread } from '../../jobs/lora-cache/writer-thread.js';
import type { WriterSetup } from '../../jobs/lora-cache/writer-messages.js';
import { actualWriterSetup, testSnapshotMeta } from './snapshot-helpers.js';

/** The finish message of a build on these tests' setup. */
const finishMessage = () =>
  ({ type: 'finish', timeZone: 'Europe/Copenhagen', meta: testSnapshotMeta() }) as const;

describe('lora-cache writer thread', function () {
  let dir: string;
  let setup: WriterSetup;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-writer-thread-'));
    setup = actualWriterSetup(dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const tempFiles = () => fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));

  it('a page it cannot parse fails once, with one line, and the next call throws it; no temp file is left', async () => {
    const failures: Error[] = [];
    const writer = new WriterThread(setup, 1 << 20, (err) => failures.push(err));
    try {
      writer.send({ type: 'root', uuid: null });
      writer.send({ type: 'classes-done' });
      await writer.page('persons', Buffer.from('{"data": {"persons": {"objects": [{"uuid": "a", "cur'));
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => failures.length && (clearInterval(poll), resolve()), 10);
      });
      expect(failures).to.have.length(1);
      expect(failures[0]!.message).to.match(/JSON/).and.not.include('\n');
      expect(() => writer.send({ type: 'done', entity: 'persons' })).to.throw(failures[0]!.message);
      expect(writer.failure).to.equal(failures[0]);
    } finally {
      await writer.stop();
    }
    expect(writer.running).to.equal(false);
    expect(tempFiles()).to.deep.equal([]);
    expect(fs.existsSync(setup.target)).to.equal(false);
  });

  it('a page with an object it cannot map (a mapping bug) fails the finish with one line', async () => {
    const failures: Error[] = [];
    const writer = new WriterThread(setup, 1 << 20, (err) => failures.push(err));
    try {
      writer.send({ type: 'classes-done' });
      await writer.page(
        'engagements',
        Buffer.from('{"data": {"engagements": {"objects": [{"uuid": "e", "validities": [null]}]}}}'),
      );
      await writer.finish(finishMessage()).then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.match(/null/).and.not.include('\n'),
      );
      expect(failures).to.have.length(1);
    } finally {
      await writer.stop();
    }
    expect(tempFiles()).to.deep.equal([]);
    expect(fs.existsSync(setup.target)).to.equal(false);
  });

  it('stop() mid-build ends the thread and removes its temp file', async () => {
    const writer = new WriterThread(setup, 1 << 20, () => undefined);
    writer.send({ type: 'classes-done' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => tempFiles().length && (clearInterval(poll), resolve()), 10);
    });
    expect(writer.running).to.equal(true);
    await writer.stop();
    expect(writer.running).to.equal(false);
    expect(tempFiles()).to.deep.equal([]);
  });

  it('a timeout while it finishes rejects with the abort reason; stop() ends the thread, no temp file left', async () => {
    const writer = new WriterThread(setup, 1 << 20, () => undefined);
    const timeout = new AbortController();
    try {
      writer.send({ type: 'classes-done' });
      const finishing = writer.finish(finishMessage(), timeout.signal);
      timeout.abort('timeout');
      await finishing.then(
        () => expect.fail('should be stopped'),
        (err: Error) => expect(err.message).to.equal('stopped: timeout'),
      );
    } finally {
      await writer.stop();
    }
    expect(writer.running).to.equal(false);
    expect(tempFiles()).to.deep.equal([]);
  });

  it('page() moves a body that owns its memory to the thread, and copies a view on a shared buffer', async () => {
    const written: number[] = [];
    const writer = new WriterThread(
      setup,
      1 << 20,
      () => undefined,
      (o) => written.push(o.persons ?? 0),
    );
    try {
      writer.send({ type: 'classes-done' });
      const text = '{"data": {"persons": {"objects": []}}}';
      const owned = new Uint8Array(Buffer.byteLength(text));
      owned.set(Buffer.from(text));
      await writer.page('persons', owned);
      expect(owned.byteLength).to.equal(0); // transferred: nothing was copied
      const pooled = Buffer.from(text); // a slice of Node's shared small-buffer pool
      expect(pooled.buffer.byteLength).to.be.greaterThan(pooled.byteLength);
      await writer.page('persons', pooled);
      expect(pooled.toString()).to.equal(text); // the pool, and the caller's view on it, left intact
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => written.length >= 2 && (clearInterval(poll), resolve()), 10);
      });
      expect(writer.failure).to.equal(undefined);
    } finally {
      await writer.stop();
    }
  });

  it('page() waits at the memory bound until the writer has written below it', async () => {
    const writer = new WriterThread(setup, 10, () => undefined);
    try {
      writer.send({ type: 'classes-done' });
      const body = Buffer.from('{"data": {"persons": {"objects": []}}}');
      let resolved = false;
      const sent = writer.page('persons', body).then(() => (resolved = true));
      expect(resolved).to.equal(false);
      await sent;
      expect(resolved).to.equal(true);
      expect(writer.failure).to.equal(undefined);
    } finally {
      await writer.stop();
    }
  });
});
