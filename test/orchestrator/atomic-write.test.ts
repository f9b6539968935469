/** The temp-file-then-rename helper's background write-back: at most one at a time, harmless after a discard. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openTemp } from '../../orchestrator/atomic-write.js';

describe('atomic write: writeBack', function () {
  let dir: string;
  const realSync = fs.fdatasync;
  let synced: number;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-atomic-'));
    synced = 0;
    (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = ((fd: number, cb: fs.NoParamCallback) => {
      synced++;
      realSync(fd, cb);
    }) as typeof fs.fdatasync;
  });
  afterEach(() => {
    (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = realSync;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const idle = async (): Promise<void> => {
    // the write-back's open, fdatasync and close each take a turn of the event loop
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('writes back once while one is running, again once it is done; the commit keeps the data and the mode', async () => {
    const target = path.join(dir, 'snapshot.db');
    const temp = openTemp(target, { mode: 0o600 });
    fs.appendFileSync(temp.path, 'first part;');
    temp.writeBack();
    temp.writeBack();
    temp.writeBack();
    await idle();
    expect(synced).to.equal(1);
    fs.appendFileSync(temp.path, 'second part');
    temp.writeBack();
    await idle();
    expect(synced).to.equal(2);
    temp.commit(0o400);
    expect(fs.readFileSync(target, 'utf8')).to.equal('first part;second part');
    expect(fs.statSync(target).mode & 0o777).to.equal(0o400);
    expect(fs.readdirSync(dir)).to.deep.equal(['snapshot.db']);
  });

  it('a write-back of a file discarded meanwhile does nothing and throws nothing', async () => {
    const target = path.join(dir, 'snapshot.db');
    const temp = openTemp(target);
    fs.appendFileSync(temp.path, 'data');
    temp.writeBack();
    temp.discard();
    await idle();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
    expect(synced).to.be.at.most(1);
  });
});
