/**
 * A full disk is an operator condition (issue 11): exit 2 with one line naming the path, never 70. The state
 * dir is a real, tiny tmpfs filled to the last byte (the tests run as root).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sandbox, type Sandbox } from './spawn-cli.js';

function fill(dir: string): void {
  try {
    fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(4 << 20));
    expect.fail('the tmpfs did not fill up');
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOSPC');
  }
}

describe('full disk under runner.state_dir (tmpfs, spawned)', function () {
  this.timeout(120_000);
  let sb: Sandbox;

  beforeEach(() => {
    sb = sandbox({ 'runner.jobs': { hello: { stage: 'export', command: 'echo hello' } } });
    fs.mkdirSync(sb.stateDir, { mode: 0o700 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', sb.stateDir]);
  });

  afterEach(() => {
    execFileSync('umount', [sb.stateDir]);
  });

  it('before the first run: exit 2 naming the history file, nothing half-written left behind', async () => {
    fill(sb.stateDir);
    const r = await cli(sb, ['run']);
    expect(r.code, r.stderr).to.equal(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^job-runner: ${sb.stateDir}/\\S+: no space left on device`));
    expect(r.stderr).not.to.include('internal error');
    expect(fs.existsSync(path.join(sb.stateDir, 'run.lock'))).to.equal(false);
  });

  it('after earlier runs: exit 2 naming the path, and the next run after freeing space succeeds', async () => {
    const first = await cli(sb, ['run']);
    expect(first.code, first.stderr).to.equal(0);
    fill(sb.stateDir);
    const r = await cli(sb, ['run']);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`job-runner: ${sb.stateDir}\\S*: no space left on device`));
    expect(r.stderr).not.to.include('internal error');
    expect(r.stderr).not.to.match(/\n\s+at /);
    fs.rmSync(path.join(sb.stateDir, 'filler'));
    const again = await cli(sb, ['run']);
    expect(again.code, again.stderr).to.equal(0);
  });
});
