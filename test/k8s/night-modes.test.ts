/**
 * `night begin`, `task`, `night end` as separate processes (D4), the run lock's takeover rules in these modes
 * (A5) and the trust check on an fsGroup volume.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sandbox, startCli, waitFor, type Sandbox } from '../cli/spawn-cli.js';
import { openHistory } from '../../orchestrator/history.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { commandJobs } from '../../jobs/command.js';
import { buildPlan } from '../../orchestrator/plan.js';
import { nightDeadlineMs } from '../../orchestrator/night-modes.js';
import { trustProblem } from '../../orchestrator/trust.js';
import { writeLease } from '../orchestrator/lease-files.js';

const night = (extra: Record<string, unknown> = {}) => ({
  'municipality.name': 'Andeby',
  'runner.kill_grace': '1s',
  'runner.jobs': {
    a: { stage: 'import', command: 'echo imported' },
    b: { stage: 'prepare', command: 'echo broken >&2; exit 4', needs: ['a'] },
    c: { stage: 'export', command: 'echo exported', needs: ['b'] },
    d: { stage: 'report', command: 'echo reported', needs: ['a'] },
  },
  ...extra,
});

const lockDir = (sb: Sandbox) => path.join(sb.stateDir, 'run.lock');

/** The run lock as a detached night on another node left it. */
function writeForeignLease(sb: Sandbox, runId: string, expiresAt: Date): void {
  const now = new Date().toISOString();
  fs.mkdirSync(lockDir(sb), { recursive: true, mode: 0o700 });
  writeLease(lockDir(sb), {
    host: 'pod-on-another-node',
    bootId: 'another-boot',
    pid: 1,
    pidStart: '1',
    processStartedAt: now,
    runId,
    token: 'foreign',
    acquiredAt: now,
    heartbeatAt: now,
    expiresAt: expiresAt.toISOString(),
    detached: true,
  });
}

describe('night begin / task / night end (spawned)', function () {
  this.timeout(30_000);

  it('records one run: a failed job skips its dependants naming it, night end closes the rest and the lock', async () => {
    const sb = sandbox(night());
    const begin = await cli(sb, ['night', 'begin', '--run-id', 'wf-1']);
    expect(begin.code, begin.stderr).to.equal(0);
    expect(fs.existsSync(lockDir(sb))).to.equal(true);

    expect((await cli(sb, ['task', 'a', '--run-id', 'wf-1'])).code).to.equal(0);
    const b = await cli(sb, ['task', 'b', '--run-id', 'wf-1']);
    expect(b.code).to.equal(1);
    const c = await cli(sb, ['task', 'c', '--run-id', 'wf-1']);
    expect(c.code).to.equal(1);
    expect(c.stdout).to.match(/skipped: prerequisite b failed/);
    // d is never started (as if Argo had omitted it)

    const end = await cli(sb, ['night', 'end', '--run-id', 'wf-1', '--engine-status', 'Failed']);
    expect(end.code, end.stderr).to.equal(1);
    expect(fs.existsSync(lockDir(sb))).to.equal(false);

    const status = JSON.parse((await cli(sb, ['status', '--json'])).stdout);
    expect(status.run).to.include({ id: 'wf-1', status: 'failed', trigger: 'k8s' });
    const jobs = status.jobs.filter((j: { status: string }) => j.status !== 'disabled');
    expect(
      jobs.map((j: { name: string; status: string; message: string }) => [j.name, j.status, j.message]),
    ).to.deep.equal([
      ['a', 'succeeded', 'imported'],
      ['b', 'failed', 'exit code 4: broken'],
      ['c', 'skipped', 'prerequisite b failed'],
      ['d', 'skipped', 'not reached (workflow Failed)'],
    ]);
    for (const f of ['a.log', 'b.log', 'run.jsonl'])
      expect(fs.existsSync(path.join(sb.stateDir, 'logs', 'wf-1', f)), f).to.equal(true);

    // a retried night-end pod changes nothing
    const again = await cli(sb, ['night', 'end', '--run-id', 'wf-1', '--engine-status', 'Failed']);
    expect(again.code).to.equal(1);
    // the lock is free again: an in-process run may start
    expect((await cli(sb, ['run', 'a'])).code).to.equal(0);
  });

  it('night begin is idempotent for its run id; another run id, or a task of another night, exits 3', async () => {
    const sb = sandbox(night());
    expect((await cli(sb, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
    const retried = await cli(sb, ['night', 'begin', '--run-id', 'wf-1']);
    expect(retried.code, retried.stderr).to.equal(0);
    const other = await cli(sb, ['night', 'begin', '--run-id', 'wf-2']);
    expect(other.code).to.equal(3);
    expect(other.stderr).to.match(/another run holds the lock .*run wf-1/);
    const task = await cli(sb, ['task', 'a', '--run-id', 'wf-2']);
    expect(task.code).to.equal(3);
    expect(task.stderr).to.match(/run wf-2 does not hold the run lock/);
    const inProcess = await cli(sb, ['run']);
    expect(inProcess.code).to.equal(3);
    const h = openHistory(path.join(sb.stateDir, 'history.sqlite'), { readonly: true });
    try {
      expect(h.listRuns(10).map((r) => r.id)).to.deep.equal(['wf-1']);
      expect(h.jobsOfRun('wf-1').filter((j) => j.status === 'pending')).to.have.length(4);
    } finally {
      h.close();
    }
  });

  it('a task refuses without night begin (3), a second concurrent run of the same job (3), unknown jobs (2)', async () => {
    const sb = sandbox();
    // the first task runs until the test releases it, however slowly the second CLI starts (at most 30 s)
    const release = path.join(sb.dir, 'release');
    const wait = `i=0; until [ -e '${release}' ]; do i=$((i+1)); [ $i -le 600 ] || exit 1; sleep 0.05; done`;
    const slow = { stage: 'import', command: wait };
    sb.write(night({ 'runner.jobs': { slow } }));
    expect((await cli(sb, ['task', 'slow', '--run-id', 'wf-1'])).code).to.equal(3);
    expect((await cli(sb, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
    const first = startCli(sb, ['task', 'slow', '--run-id', 'wf-1']);
    try {
      await waitFor(
        () => fs.existsSync(path.join(sb.stateDir, 'task-locks', 'slow.lock', 'holder.json')),
        20_000,
      );
      const second = await cli(sb, ['task', 'slow', '--run-id', 'wf-1']);
      expect(second.code).to.equal(3);
      expect(second.stderr).to.match(/slow is running now/);
    } finally {
      fs.writeFileSync(release, '');
    }
    expect((await first.done).code).to.equal(0);
    const unknown = await cli(sb, ['task', 'nope', '--run-id', 'wf-1']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/unknown job nope/);
    const badId = await cli(sb, ['task', 'slow', '--run-id', '../x']);
    expect(badId.code).to.equal(2);
  });

  it('a task that times out exits 124 and is recorded timed_out; SIGTERM cancels it with 130', async () => {
    const one = (name: string) =>
      sandbox(
        night({
          [`runner.timeout.${name}`]: '1s',
          'runner.jobs': { [name]: { stage: 'import', command: 'sleep 20' } },
        }),
      );
    const sbSlow = one('slow');
    expect((await cli(sbSlow, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
    const t = await cli(sbSlow, ['task', 'slow', '--run-id', 'wf-1']);
    expect(t.code).to.equal(124);
    const sb = sandbox(night({ 'runner.jobs': { stop: { stage: 'import', command: 'sleep 20' } } }));
    expect((await cli(sb, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
    const run = startCli(sb, ['task', 'stop', '--run-id', 'wf-1']);
    const jsonl = path.join(sb.stateDir, 'logs', 'wf-1', 'run.jsonl');
    const started = () =>
      fs
        .readFileSync(jsonl, 'utf8')
        .split('\n')
        .some((l) => l.includes('"job":"stop"') && l.includes('"message":"started"'));
    await waitFor(() => fs.existsSync(jsonl) && started());
    run.child.kill('SIGTERM');
    expect((await run.done).code).to.equal(130);
    for (const [box, name, want] of [
      [sbSlow, 'slow', 'timed_out'],
      [sb, 'stop', 'cancelled'],
    ] as const) {
      const h = openHistory(path.join(box.stateDir, 'history.sqlite'), { readonly: true });
      try {
        expect(h.jobsOfRun('wf-1').find((j) => j.name === name)?.status).to.equal(want);
      } finally {
        h.close();
      }
    }
  });

  it('municipality.name is required in these modes: exit 2 naming it, nothing written', async () => {
    const sb = sandbox(night({ 'municipality.name': undefined }));
    for (const args of [
      ['night', 'begin', '--run-id', 'wf-1'],
      ['task', 'a', '--run-id', 'wf-1'],
      ['night', 'end', '--run-id', 'wf-1', '--engine-status', 'Succeeded'],
    ]) {
      const r = await cli(sb, args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(/^job-runner: municipality\.name: is required/);
      expect(r.stderr.split('\n').filter(Boolean)).to.have.length(1);
    }
    expect(fs.existsSync(lockDir(sb))).to.equal(false);
  });

  it("the run lock's expiry is the longest chain of job deadlines plus 10 min", async () => {
    const values = night({
      'runner.job_timeout': '1h',
      'runner.timeout.d': '5h',
      'runner.kill_grace': '10s',
    });
    const settings = new Settings(values, 'test');
    const plan = buildPlan(commandJobs(settings), settings);
    const job = 3600_000 + 10_000 + 60_000;
    // a → b → c is three jobs of 1 h; a → d is 1 h + 5 h
    const want = job + (5 * 3600_000 + 10_000 + 60_000) + 10 * 60_000;
    expect(nightDeadlineMs(plan, settings)).to.equal(want);
    const sb = sandbox(values);
    expect((await cli(sb, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
    const h = JSON.parse(fs.readFileSync(path.join(lockDir(sb), 'holder.json'), 'utf8'));
    expect(Date.parse(h.expiresAt) - Date.parse(h.acquiredAt)).to.equal(want);
  });

  describe('A5: the run lock across pods', () => {
    it('an expired lease of another host (pid 1) is taken over with a warning', async () => {
      const sb = sandbox(night());
      writeForeignLease(sb, 'wf-old', new Date(Date.now() - 60_000));
      const r = await cli(sb, ['night', 'begin', '--run-id', 'wf-new']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/warning: took over a stale lock .*expired/);
      const holder = JSON.parse(fs.readFileSync(path.join(lockDir(sb), 'holder.json'), 'utf8'));
      expect(holder).to.include({ runId: 'wf-new', detached: true });
    });

    it('a fresh lease of another host exits 3 naming it', async () => {
      const sb = sandbox(night());
      writeForeignLease(sb, 'wf-old', new Date(Date.now() + 3_600_000));
      const r = await cli(sb, ['night', 'begin', '--run-id', 'wf-new']);
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/host pod-on-another-node, pid 1, .*run wf-old/);
      expect((await cli(sb, ['task', 'a', '--run-id', 'wf-new'])).code).to.equal(3);
    });

    it('status does not call a running night "gone" when its lease is held by another host', async () => {
      const sb = sandbox(night());
      expect((await cli(sb, ['night', 'begin', '--run-id', 'wf-1'])).code).to.equal(0);
      writeForeignLease(sb, 'wf-1', new Date(Date.now() + 3_600_000));
      const s = await cli(sb, ['status']);
      expect(s.stdout).to.match(/run wf-1 .*running/);
      expect(s.stdout).not.to.match(/gone/);
      // the begin process has exited (its pid is dead on this host): the detached lease still holds
      expect((await cli(sb, ['task', 'a', '--run-id', 'wf-1'])).code).to.equal(0);
    });
  });

  describe('trust check on an fsGroup volume', () => {
    it('accepts a state subdirectory the runner creates 0700 under a group-writable setgid root', async () => {
      const sb = sandbox(night());
      const pvc = path.join(sb.dir, 'pvc');
      fs.mkdirSync(pvc);
      fs.chmodSync(pvc, 0o2770); // what kubelet makes of a volume root with securityContext.fsGroup
      sb.write(night({ 'runner.state_dir': path.join(pvc, 'var') }));
      const r = await cli(sb, ['night', 'begin', '--run-id', 'wf-1']);
      expect(r.code, r.stderr).to.equal(0);
      expect(fs.statSync(path.join(pvc, 'var')).mode & 0o777).to.equal(0o700);

      sb.write(night({ 'runner.state_dir': pvc }));
      const root = await cli(sb, ['night', 'begin', '--run-id', 'wf-2']);
      expect(root.code).to.equal(2);
      expect(root.stderr).to.match(/refusing to run: .*pvc is writable by group or others/);
    });

    it("trusts such a root only when it is setgid, of one of the runner's groups, and not writable by others", () => {
      const sb = sandbox(night());
      const pvc = path.join(sb.dir, 'pvc');
      fs.mkdirSync(pvc);
      const inside = path.join(pvc, 'var');
      const gid = fs.statSync(pvc).gid;
      fs.chmodSync(pvc, 0o2770);
      expect(trustProblem(inside, { groups: [gid] })).to.equal(undefined);
      expect(trustProblem(inside, { groups: [gid + 1] })?.message).to.match(
        /inside .*pvc, which is writable/,
      );
      fs.chmodSync(pvc, 0o0770);
      expect(trustProblem(inside, { groups: [gid] })?.message).to.match(/inside .*pvc, which is writable/);
      fs.chmodSync(pvc, 0o2777);
      expect(trustProblem(inside, { groups: [gid] })?.message).to.match(/inside .*pvc, which is writable/);
    });
  });
});
