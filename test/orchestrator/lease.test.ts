import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLease, inspectLease, pidStartTicks } from '../../orchestrator/lease.js';
import { makeTempDir } from '../helpers/job-context.js';
import { repo } from '../cli/spawn-cli.js';
import { writeLease } from './lease-files.js';

/** A PID that exists on no host here: above the kernel's pid_max ceiling of 2^22. */
const DEAD_PID = 2 ** 22 + 777;

const lockIn = () => path.join(makeTempDir('jr-lease-'), 'run.lock');

describe('lease lock', () => {
  it('is taken, inspected, refused to a second taker, renewed and released', () => {
    const lock = lockIn();
    const got = acquireLease(lock, 'r1', { renewMs: 0 });
    expect(got.ok).to.equal(true);
    if (!got.ok) return;
    const state = inspectLease(lock);
    expect(state.kind).to.equal('held');
    expect(state.kind === 'held' && state.holder).to.include({
      host: os.hostname(),
      pid: process.pid,
      runId: 'r1',
    });
    expect(fs.statSync(path.join(lock, 'holder.json')).mode & 0o777).to.equal(0o600);
    const second = acquireLease(lock, 'r2', { renewMs: 0 });
    expect(second.ok).to.equal(false);
    expect(!second.ok && second.holder?.runId).to.equal('r1');
    const before = got.lease.holder.expiresAt;
    got.lease.holder.expiresAt = new Date(0).toISOString();
    got.lease.renew();
    expect(Date.parse(got.lease.holder.expiresAt)).to.be.at.least(Date.parse(before));
    got.lease.release();
    expect(fs.existsSync(lock)).to.equal(false);
    expect(inspectLease(lock).kind).to.equal('free');
  });

  it('tells the holder when its lease was taken over, and release then leaves the new holder alone', () => {
    const lock = lockIn();
    const lost: string[] = [];
    const got = acquireLease(lock, 'r1', { renewMs: 0, onLost: (m) => lost.push(m) });
    expect(got.ok).to.equal(true);
    if (!got.ok) return;
    writeLease(lock, { runId: 'other', token: 'other-token', pid: process.ppid, pidStart: null });
    got.lease.renew();
    expect(lost).to.have.length(1);
    expect(lost[0]).to.match(/taken over or removed/);
    got.lease.release();
    expect(inspectLease(lock)).to.deep.include({ kind: 'held' });
  });

  it('takes over a lease of this host whose PID is dead', () => {
    const lock = lockIn();
    writeLease(lock, { pid: DEAD_PID, pidStart: '123' });
    const got = acquireLease(lock, 'new', { renewMs: 0 });
    expect(got.ok && got.tookOver).to.equal(`pid ${DEAD_PID} is gone`);
  });

  it('takes over a lease whose live PID now belongs to another process (PID reuse: PID 1, the parent)', () => {
    for (const pid of [1, process.ppid]) {
      const lock = lockIn();
      const real = pidStartTicks(pid);
      expect(real, `/proc/${pid}/stat`).to.be.a('string');
      writeLease(lock, { pid, pidStart: String(Number(real) + 1) });
      const got = acquireLease(lock, 'new', { renewMs: 0 });
      expect(got.ok && got.tookOver).to.equal(`pid ${pid} now belongs to another process`);
    }
    // the same live PID with its real start time is a live holder
    const lock = lockIn();
    writeLease(lock, { pid: process.ppid, pidStart: pidStartTicks(process.ppid) });
    expect(acquireLease(lock, 'new', { renewMs: 0 }).ok).to.equal(false);
  });

  it('takes over a lease of this host from before a reboot', () => {
    const lock = lockIn();
    writeLease(lock, { pid: process.ppid, pidStart: pidStartTicks(process.ppid), bootId: 'another-boot' });
    const got = acquireLease(lock, 'new', { renewMs: 0 });
    expect(got.ok && got.tookOver).to.equal('the host was rebooted since');
  });

  it('respects a live lease of another host, and takes it over once its heartbeat expired', () => {
    const lock = lockIn();
    writeLease(lock, { host: 'pod-night-7f9c', pid: DEAD_PID, processStartedAt: '2026-12-01T01:00:00.000Z' });
    const refused = acquireLease(lock, 'new', { renewMs: 0 });
    expect(refused.ok).to.equal(false);
    expect(!refused.ok && refused.holder).to.include({ host: 'pod-night-7f9c', pid: DEAD_PID });

    writeLease(lock, { host: 'pod-night-7f9c', pid: DEAD_PID, expiresAt: '2026-11-30T01:10:00.000Z' });
    const got = acquireLease(lock, 'new', { renewMs: 0 });
    expect(got.ok && got.tookOver).to.match(
      /heartbeat of host pod-night-7f9c, pid 4195081, .* expired at 2026-11-30T01:10:00.000Z/,
    );
  });

  it('takes over an empty or garbage lock file at once (a half-written lock of an older version)', () => {
    for (const [content, why] of [
      ['', 'the lock file is empty'],
      ['{"pid": 12', 'the lock file is garbage'],
      [`{"pid": ${DEAD_PID}, "startedAt": "yesterday"}`, `names pid ${DEAD_PID}, which is gone`],
    ] as const) {
      const lock = lockIn();
      fs.writeFileSync(lock, content);
      const got = acquireLease(lock, 'new', { renewMs: 0 });
      expect(got.ok && got.tookOver, content).to.contain(why);
      expect(fs.statSync(lock).isDirectory()).to.equal(true);
    }
    // an old-version lock file naming a live PID is respected
    const lock = lockIn();
    fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, startedAt: 'now', runId: 'x' }));
    expect(acquireLease(lock, 'new', { renewMs: 0 })).to.deep.include({ ok: false });
  });

  it('takes over a garbage holder file at once; an empty lock dir only once its grace period passed', () => {
    const garbage = lockIn();
    fs.mkdirSync(garbage);
    fs.writeFileSync(path.join(garbage, 'holder.json'), '\u0000\u0000not json');
    const got = acquireLease(garbage, 'new', { renewMs: 0 });
    expect(got.ok && got.tookOver).to.equal('its holder file is garbage');

    const empty = lockIn();
    fs.mkdirSync(empty);
    const young = acquireLease(empty, 'new', { renewMs: 0 });
    expect(young).to.deep.include({ ok: false, note: 'another starter is taking it now' });
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(empty, past, past);
    const old = acquireLease(empty, 'new', { renewMs: 0 });
    expect(old.ok && old.tookOver).to.match(/no holder since/);
  });

  it('gives exactly one winner among 6 processes racing for a stale lease, 20 rounds in a row', async function () {
    this.timeout(240_000);
    const dir = makeTempDir('jr-lease-race-');
    const lock = path.join(dir, 'run.lock');
    const script = path.join(dir, 'taker.mjs');
    const leaseModule = path.join(repo, 'dist', 'orchestrator', 'lease.js');
    // each taker loads the lease module, says it is ready, reads the common start instant from stdin, waits
    // until then, tries once and reports; the winner holds until killed
    fs.writeFileSync(
      script,
      `import { acquireLease } from ${JSON.stringify(leaseModule)};
const [lock] = process.argv.slice(2);
process.stdin.once('data', (d) => {
  const startAt = Number(String(d));
  // sleep to 2 ms before the instant, then spin: six takers spinning for the whole wait would hog the CPU
  const sleepMs = startAt - 2 - Date.now();
  if (sleepMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleepMs);
  while (Date.now() < startAt) {}
  const r = acquireLease(lock, 'run-' + process.pid, { renewMs: 0 });
  process.stdout.write(r.ok ? 'won ' + (r.tookOver ?? 'fresh') + '\\n' : 'lost\\n');
  if (r.ok) setInterval(() => undefined, 1000);
});
process.stdout.write('ready\\n');
`,
    );
    writeLease(lock, { pid: DEAD_PID });
    for (let round = 0; round < 20; round++) {
      const takers = Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, [script, lock], { stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        let closed = false;
        const waiters: (() => void)[] = [];
        const wake = () => waiters.forEach((w) => w());
        child.stdout.on('data', (d) => ((out += d), wake()));
        child.on('close', () => ((closed = true), wake()));
        /** The n-th line the taker printed (what it printed at all if it ended before). */
        const line = (n: number) =>
          new Promise<string>((resolve) => {
            const check = () => {
              const lines = out.split('\n');
              if (lines.length > n) resolve(lines[n - 1]!);
              else if (closed) resolve(out.trim());
            };
            waiters.push(check);
            check();
          });
        return { child, ready: line(1), reported: line(2) };
      });
      // every taker is loaded and waiting: the start instant is shortly after now, so none spins for long
      const ready = await Promise.all(takers.map((t) => t.ready));
      expect(ready, `round ${round}`).to.deep.equal(Array(6).fill('ready'));
      const startAt = Date.now() + 50;
      for (const t of takers) t.child.stdin.end(`${startAt}\n`);
      const outcomes = await Promise.all(takers.map((t) => t.reported));
      const winners = outcomes.filter((o) => o.startsWith('won'));
      // the winner dies without releasing (like a SIGKILL): its lease is next round's stale lock
      await Promise.all(
        takers.map(
          (t) =>
            new Promise((resolve) => {
              if (t.child.exitCode !== null) return resolve(undefined);
              t.child.on('exit', resolve);
              t.child.kill('SIGKILL');
            }),
        ),
      );
      expect(winners, `round ${round}: ${outcomes.join(' | ')}`).to.have.length(1);
      // the winner took the stale lease over, or created it anew just after another taker removed it
      expect(winners[0]).to.match(/^won (pid \d+ is gone|fresh)$/);
      expect(outcomes.filter((o) => o === 'lost')).to.have.length(5);
    }
  });
});
