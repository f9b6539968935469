import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, pidAlive, sandbox, startCli, waitFor, type Sandbox } from './spawn-cli.js';
import { openHistory } from '../../orchestrator/history.js';
import { pidStartTicks } from '../../orchestrator/lease.js';
import { writeLease } from '../orchestrator/lease-files.js';

/** A night whose first job starts a process-group child, writes its PID to a file and waits. */
function longNight(sb: Sandbox) {
  const pidFile = path.join(sb.dir, 'child.pid');
  sb.write({
    'runner.kill_grace': '2s',
    'runner.jobs': {
      long: { stage: 'prepare', command: `sleep 60 & echo $! > ${pidFile}; wait` },
      after: { stage: 'export', command: 'echo never', needs: ['long'] },
    },
  });
  return pidFile;
}

async function startedChild(pidFile: string): Promise<number> {
  await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 15_000);
  return Number(fs.readFileSync(pidFile, 'utf8'));
}

async function expectConsistentAfterInterrupt(sb: Sandbox): Promise<void> {
  expect(fs.existsSync(path.join(sb.stateDir, 'run.lock'))).to.equal(false);
  const status = JSON.parse((await cli(sb, ['status', '--json'])).stdout);
  expect(status.run.status).to.equal('cancelled');
  const attempted = status.jobs.filter((j: { status: string }) => j.status !== 'disabled');
  expect(attempted.map((j: { status: string }) => j.status)).to.deep.equal(['cancelled', 'cancelled']);
  const history = openHistory(path.join(sb.stateDir, 'history.sqlite'), { readonly: true });
  try {
    expect(history.lastRun()).to.include({ status: 'cancelled', exitCode: 130 });
  } finally {
    history.close();
  }
  // and the next night runs
  sb.write({ 'runner.jobs': { quick: { stage: 'export', command: 'echo ok' } } });
  const next = await cli(sb, ['run']);
  expect(next.code, next.stderr).to.equal(0);
  expect(next.stderr).not.to.contain('lock');
}

describe('job-runner run: signals, background children, the lease lock (spawned)', function () {
  this.timeout(60_000);

  it('SIGHUP (the ssh session dropped) cancels like SIGTERM: children killed, lock released, run recorded', async () => {
    const sb = sandbox();
    const pidFile = longNight(sb);
    const night = startCli(sb, ['run']);
    const sleepPid = await startedChild(pidFile);
    night.child.kill('SIGHUP');
    const result = await night.done;
    expect(result.code, result.stderr).to.equal(130);
    expect(result.stderr).to.contain('received SIGHUP: cancelling running jobs');
    expect(pidAlive(sleepPid)).to.equal(false);
    await expectConsistentAfterInterrupt(sb);
  });

  it('two quick SIGTERMs: exit 130 at once, yet no job left running, run cancelled, lock released', async () => {
    const sb = sandbox();
    const pidFile = longNight(sb);
    // the job ignores SIGTERM, so only the second signal ends the runner before the kill grace is over
    sb.write({
      'runner.kill_grace': '30s',
      'runner.jobs': {
        long: { stage: 'prepare', command: `trap '' TERM; sleep 60 & echo $! > ${pidFile}; wait` },
        after: { stage: 'export', command: 'echo never', needs: ['long'] },
      },
    });
    const night = startCli(sb, ['run']);
    const sleepPid = await startedChild(pidFile);
    let stderr = '';
    night.child.stderr!.on('data', (d) => (stderr += d));
    night.child.kill('SIGTERM');
    await waitFor(() => stderr.includes('received SIGTERM: cancelling running jobs'), 10_000);
    night.child.kill('SIGTERM');
    const result = await night.done;
    expect(result.code, result.stderr).to.equal(130);
    expect(result.stderr).to.contain('received SIGTERM again');
    await waitFor(() => !pidAlive(sleepPid), 5000);
    await expectConsistentAfterInterrupt(sb);
  });

  it('a command that exits 0 leaving a background child succeeds when it exits; the child is killed with a warning', async () => {
    const sb = sandbox();
    const pidFile = path.join(sb.dir, 'bg.pid');
    sb.write({
      'runner.jobs': {
        // without the fix the inherited output pipes hold the job until its 10-minute timeout
        spawner: {
          stage: 'export',
          command: `sleep 100 & echo $! > ${pidFile}; echo started`,
          timeout: '10m',
        },
      },
    });
    const result = await cli(sb, ['run']);
    expect(result.code, result.stderr).to.equal(0);
    const bg = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !pidAlive(bg), 5000);
    const status = JSON.parse((await cli(sb, ['status', '--json'])).stdout);
    const job = status.jobs.find((j: { name: string }) => j.name === 'spawner');
    expect(job).to.include({ status: 'succeeded', message: 'started' });
    expect(fs.readFileSync(job.log, 'utf8')).to.match(
      /the command exited and left 1 background process running; killed them \(process group \d+\)/,
    );
  });

  it('refuses (exit 3) while a live lease of another host holds the lock, naming its host, PID and start', async () => {
    const sb = sandbox({ 'runner.jobs': { quick: { stage: 'export', command: 'echo ok' } } });
    const lock = path.join(sb.stateDir, 'run.lock');
    fs.mkdirSync(lock, { recursive: true, mode: 0o700 });
    const holder = (expiresAt: string) =>
      writeLease(lock, {
        host: 'pod-night-a1b2',
        bootId: 'x',
        pid: 1,
        pidStart: '99',
        processStartedAt: '2026-12-01T01:00:00.000Z',
        runId: 'r-pod',
        token: 't',
        acquiredAt: '2026-12-01T01:00:00.000Z',
        heartbeatAt: '2026-12-01T01:00:00.000Z',
        expiresAt,
      });
    holder(new Date(Date.now() + 600_000).toISOString());
    const refused = await cli(sb, ['run']);
    expect(refused.code).to.equal(3);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.contain(
      'host pod-night-a1b2, pid 1, started 2026-12-01T02:00:00+01:00, run r-pod',
    );
    // the pod was evicted: its heartbeat expires and the next night takes over
    holder('2026-12-01T01:10:00.000Z');
    const next = await cli(sb, ['run']);
    expect(next.code, next.stderr).to.equal(0);
    expect(next.stderr).to.match(/took over a stale lock .*heartbeat of host pod-night-a1b2.* expired/);
  });

  it('a run left "running" whose lease is gone is abandoned, even though its PID is alive (reused)', async () => {
    const sb = sandbox({ 'runner.jobs': { quick: { stage: 'export', command: 'echo ok' } } });
    fs.mkdirSync(sb.stateDir, { recursive: true, mode: 0o700 });
    const h = openHistory(path.join(sb.stateDir, 'history.sqlite'));
    const at = new Date(Date.now() - 3_600_000);
    // PID 1 exists here, as in a new container: the old PID check called this run alive forever
    h.startRun({ id: 'evicted', trigger: 'schedule', startedAt: at, pid: 1, logDir: '/nonexistent' });
    h.recordJob('evicted', { name: 'quick', stage: 'export', status: 'running', startedAt: at });
    h.close();
    const lock = path.join(sb.stateDir, 'run.lock');
    fs.mkdirSync(lock, { mode: 0o700 });
    // this host and boot, PID 1 with another start time: a reused PID
    writeLease(lock, {
      pid: 1,
      pidStart: String(Number(pidStartTicks(1)) + 5),
      processStartedAt: at.toISOString(),
      runId: 'evicted',
      token: 't',
      acquiredAt: at.toISOString(),
      heartbeatAt: at.toISOString(),
    });
    const status = await cli(sb, ['status']);
    expect(status.stdout).to.match(
      /^run evicted \([^)]*\): running \(but its runner is gone: run\.lock holds no live lease for it\)/m,
    );
    const next = await cli(sb, ['run']);
    expect(next.code, next.stderr).to.equal(0);
    expect(next.stderr).to.contain('warning: run evicted was left unfinished by a runner whose lock is gone');
    expect(next.stderr).to.contain('took over a stale lock');
    expect(next.stderr).to.contain('pid 1 now belongs to another process');
    const h2 = openHistory(path.join(sb.stateDir, 'history.sqlite'), { readonly: true });
    try {
      expect(h2.getRun('evicted')).to.include({ status: 'cancelled' });
    } finally {
      h2.close();
    }
  });

  it('six `run` started at once over a stale lock: exactly one runs, the others exit 3', async function () {
    this.timeout(120_000);
    const sb = sandbox();
    const go = path.join(sb.dir, 'GO');
    // the winner holds the lock until every other starter has given up
    sb.write({
      'runner.jobs': { hold: { stage: 'export', command: `while [ ! -f ${go} ]; do sleep 0.1; done` } },
    });
    const lock = path.join(sb.stateDir, 'run.lock');
    fs.mkdirSync(sb.stateDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 99, startedAt: 'yesterday', runId: 'old' }));
    const runs = Array.from({ length: 6 }, () => startCli(sb, ['run']));
    try {
      await waitFor(() => runs.filter((r) => r.child.exitCode !== null).length >= 5, 90_000);
    } finally {
      fs.writeFileSync(go, '');
    }
    const results = await Promise.all(runs.map((r) => r.done));
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr).join('\n')).to.deep.equal([0, 3, 3, 3, 3, 3]);
    for (const r of results.filter((x) => x.code === 3))
      expect(r.stderr).to.match(/^job-runner: another run holds the lock .*run\.lock: .+\n$/);
  });
});
