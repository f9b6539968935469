import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, pidAlive, sandbox, startCli, waitFor } from './spawn-cli.js';
import { openHistory } from '../../orchestrator/history.js';

const jobs = (failC: boolean) => ({
  'runner.jobs': {
    a: { stage: 'import', command: 'echo imported' },
    b: { stage: 'prepare', command: 'echo cached' },
    c: { stage: 'export', command: failC ? 'echo broken >&2; exit 4' : 'echo exported', needs: ['b'] },
    d: { stage: 'report', command: 'echo reported', needs: ['b'] },
  },
});

describe('job-runner run (spawned)', function () {
  this.timeout(30_000);

  it('runs the night, reports status (text and JSON), reruns one job and resumes', async () => {
    const sb = sandbox(jobs(true));
    const first = await cli(sb, ['run']);
    expect(first.code, first.stderr).to.equal(1);
    expect(first.stdout).to.match(/\[c\] failed in .*exit code 4: broken/);

    const status = await cli(sb, ['status', '--json']);
    expect(status.code).to.equal(0);
    const parsed = JSON.parse(status.stdout);
    expect(Object.keys(parsed)).to.deep.equal(['run', 'jobs']);
    expect(Object.keys(parsed.run)).to.deep.equal(['id', 'status', 'started', 'finished', 'trigger']);
    expect(parsed.run).to.include({ status: 'failed', trigger: 'cli' });
    const names = parsed.jobs
      .filter((j: { status: string }) => j.status !== 'disabled')
      .map((j: { name: string }) => j.name);
    expect(names).to.deep.equal(['a', 'b', 'c', 'd']);
    const c = parsed.jobs.find((j: { name: string }) => j.name === 'c');
    expect(Object.keys(c)).to.deep.equal([
      'name',
      'stage',
      'status',
      'started',
      'finished',
      'duration_ms',
      'message',
      'log',
    ]);
    expect(c).to.include({ stage: 'export', status: 'failed', message: 'exit code 4: broken' });
    expect(fs.readFileSync(c.log, 'utf8')).to.contain('broken');

    const text = await cli(sb, ['status']);
    expect(text.stdout)
      .to.match(/^c +export +failed/m)
      .and.to.contain(`log: ${c.log}`);

    sb.write(jobs(false));
    const single = await cli(sb, ['run', 'c']);
    expect(single.code).to.equal(0);
    expect(single.stdout).to.contain('1 jobs: c');
    expect(single.stdout).not.to.contain('[b] started');

    // the single-job run succeeded, so --resume finds nothing; make a failing run first
    sb.write({
      'runner.jobs': { ...jobs(false)['runner.jobs'], b: { stage: 'prepare', command: 'exit 1' } },
    });
    expect((await cli(sb, ['run'])).code).to.equal(1);
    sb.write(jobs(false));
    const resumed = await cli(sb, ['run', '--resume']);
    expect(resumed.code).to.equal(0);
    expect(resumed.stdout).to.contain('3 jobs: b, c, d');

    const deps = await cli(sb, ['run', 'd', '--with-deps']);
    expect(deps.stdout).to.contain('3 jobs: a, b, d');
    expect(deps.code).to.equal(0);

    const logs = await cli(sb, ['logs', 'd']);
    expect(logs.stdout).to.contain('reported');
    const history = await cli(sb, ['history', '--json']);
    expect(JSON.parse(history.stdout)).to.have.length(5);
  });

  it('refuses a second run (exit 3), and SIGTERM cancels with exit 130 killing the process group', async () => {
    const sb = sandbox({
      'runner.kill_grace': '2s',
      'runner.jobs': {
        long: { stage: 'prepare', command: `sleep 30 & echo $! > CHILD_PID; wait` },
        after: { stage: 'export', command: 'echo never', needs: ['long'] },
      },
    });
    const pidFile = path.join(sb.dir, 'child.pid');
    sb.write({ ...JSON.parse(fs.readFileSync(sb.settingsFile, 'utf8')) });
    const raw = fs.readFileSync(sb.settingsFile, 'utf8').replace('CHILD_PID', pidFile);
    fs.writeFileSync(sb.settingsFile, raw);
    const first = startCli(sb, ['run']);
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
    const sleepPid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pidAlive(sleepPid)).to.equal(true);

    const second = await cli(sb, ['run', 'long']);
    expect(second.code).to.equal(3);
    expect(second.stderr.trim().split('\n')).to.have.length(1);
    expect(second.stderr).to.match(new RegExp(`pid ${first.child.pid}, started .*; long is running now`));

    first.child.kill('SIGTERM');
    const result = await first.done;
    expect(result.code).to.equal(130);
    expect(pidAlive(sleepPid)).to.equal(false);
    const status = JSON.parse((await cli(sb, ['status', '--json'])).stdout);
    expect(status.run.status).to.equal('cancelled');
    const attempted = status.jobs.filter((j: { status: string }) => j.status !== 'disabled');
    expect(attempted.map((j: { status: string }) => j.status)).to.deep.equal(['cancelled', 'cancelled']);
    expect(fs.existsSync(path.join(sb.stateDir, 'run.lock'))).to.equal(false);
  });

  it("logs --follow prints a running job's log as it grows and exits when the job ends", async () => {
    const sb = sandbox();
    const go = path.join(sb.dir, 'GO');
    sb.write({
      'runner.jobs': {
        slow: {
          stage: 'prepare',
          command: `echo first line; while [ ! -f ${go} ]; do sleep 0.1; done; echo second line`,
        },
      },
    });
    const night = startCli(sb, ['run']);
    try {
      const running = async () => {
        const status = JSON.parse((await cli(sb, ['status', '--json'])).stdout || '{}');
        const job = status.jobs?.find((j: { name: string }) => j.name === 'slow');
        return (
          job?.status === 'running' && job.log && fs.readFileSync(job.log, 'utf8').includes('first line')
        );
      };
      for (let i = 0; !(await running()); i++) {
        if (i > 100) throw new Error('the job did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const follow = startCli(sb, ['logs', 'slow', '--follow']);
      let seen = '';
      follow.child.stdout!.on('data', (d) => (seen += d));
      await waitFor(() => seen.includes('first line'));
      expect(seen).not.to.contain('second line');
      fs.writeFileSync(go, '');
      const followed = await follow.done;
      expect(followed.code, followed.stderr).to.equal(0);
      expect(followed.stdout).to.match(/first line[\s\S]*second line/);
    } finally {
      fs.writeFileSync(go, ''); // a failed assertion must not leave the job waiting
    }
    expect((await night.done).code).to.equal(0);
  });

  it('names the closest jobs for an unknown one, and exits 0 for a clean night', async () => {
    const sb = sandbox(jobs(false));
    const bad = await cli(sb, ['run', 'exprots']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr.trim()).to.match(/^job-runner: unknown job "exprots"; closest: exports/);
    const ok = await cli(sb, ['run', '--dry-run']);
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.contain('dry run: would run: echo imported');
    const list = await cli(sb, ['list', '--json']);
    expect(JSON.parse(list.stdout).find((j: { name: string }) => j.name === 'c')).to.deep.include({
      enabled: true,
      needs: ['a', 'b'],
    });
    const graph = await cli(sb, ['graph', '--format', 'dot']);
    expect(graph.stdout).to.contain('"b" -> "c";');
  });

  it("check lists every problem (exit 2) or confirms (exit 0); status shows the schedule daemon's next run", async () => {
    const sb = sandbox({
      'crontab.RUN_OS2SYNC': true,
      'crontab.RUN_CACHE_LORACACHE': true,
      'runner.jobs': { x: { stage: 'export', command: 'true' } },
    });
    const bad = await cli(sb, ['check']);
    expect(bad.code).to.equal(2);
    const lines = bad.stderr.trim().split('\n');
    expect(lines.length).to.be.at.least(1);
    for (const line of lines) expect(line).to.match(/^(exports_os2sync|exports_cache_loracache): [\w.]+: /);

    sb.write({ 'runner.jobs': { x: { stage: 'export', command: 'true' } } });
    const ok = await cli(sb, ['check']);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/settings OK .*1 jobs enabled: x/);

    fs.mkdirSync(sb.stateDir, { mode: 0o700 });
    const h = openHistory(path.join(sb.stateDir, 'history.sqlite'));
    const now = new Date();
    h.setHeartbeat({
      pid: process.pid,
      startedAt: now,
      nextRunAt: new Date('2030-01-02T01:00:00Z'),
      at: now,
    });
    h.close();
    const status = await cli(sb, ['status']);
    expect(status.stdout).to.contain('no runs yet').and.to.contain('next scheduled run: 2030-01-02 02:00:00');
  });
});
