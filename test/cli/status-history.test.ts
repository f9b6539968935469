import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sandbox, startCli, waitFor } from './spawn-cli.js';

const withOffset = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/;

describe('status, history, logs and resume (spawned)', function () {
  this.timeout(90_000);

  it('a running night: status shows elapsed time, logs --follow waits for a pending job, the lock names the local time', async () => {
    const sb = sandbox();
    const go = path.join(sb.dir, 'GO');
    sb.write({
      'runner.timezone': 'Europe/Copenhagen',
      'runner.jobs': {
        first: {
          stage: 'prepare',
          command: `echo first line; while [ ! -f ${go} ]; do sleep 0.1; done`,
        },
        second: { stage: 'export', command: 'echo second line', needs: ['first'] },
      },
    });
    const night = startCli(sb, ['run']);
    try {
      const state = async () => JSON.parse((await cli(sb, ['status', '--json'])).stdout || '{}');
      await (async () => {
        for (let i = 0; ; i++) {
          const s = await state();
          if (s.jobs?.find((j: { name: string }) => j.name === 'first')?.status === 'running') return;
          if (i > 200) throw new Error('first did not start');
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      const follow = startCli(sb, ['logs', 'second', '--follow']);
      let followErr = '';
      follow.child.stderr!.on('data', (d) => (followErr += d));

      const status = await cli(sb, ['status']);
      expect(status.stdout.split('\n')[0]).to.match(
        new RegExp(`^run \\S+ \\(full run\\): running, started ${withOffset.source}$`),
      );
      expect(status.stdout).to.match(/^first +prepare +running +\d\d:\d\d:\d\d +[\d.]+ m?s so far/m);
      expect(status.stdout).to.match(/^second +export +pending +- +-/m);

      const refused = await cli(sb, ['run', 'first']);
      expect(refused.code).to.equal(3);
      expect(refused.stderr).to.match(
        /started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d, run \S+; first is running now/,
      );

      await waitFor(() => followErr.includes('waiting for second to start in run'), 20_000);
      expect(follow.child.exitCode).to.equal(null); // still waiting
      fs.writeFileSync(go, '');
      const followed = await follow.done;
      expect(followed.code, followed.stderr).to.equal(0);
      expect(followed.stdout).to.match(/second line/);
    } finally {
      fs.writeFileSync(go, '');
    }
    expect((await night.done).code).to.equal(0);
  });

  it('resume takes the last night, not a later rerun; history says what each run was and fits 80 columns', async () => {
    const failing = (second: string) => ({
      'runner.timezone': 'Europe/Copenhagen',
      'runner.jobs': {
        first: { stage: 'prepare', command: 'echo first' },
        second: { stage: 'export', command: second, needs: ['first'] },
        third: {
          stage: 'report',
          command: 'echo third',
          needs: ['second'],
        },
      },
    });
    const sb = sandbox(failing('echo the peer rejected the payload of an organisation unit >&2; exit 1'));
    const night = await cli(sb, ['run']);
    expect(night.code).to.equal(1);
    const nightId = JSON.parse((await cli(sb, ['status', '--json'])).stdout).run.id as string;

    sb.write(failing('echo second'));
    expect((await cli(sb, ['run', 'first'])).code).to.equal(0);

    const resumed = await cli(sb, ['run', '--resume']);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.match(
      new RegExp(
        `^resuming run ${nightId} \\(night, cli, started ${withOffset.source}, failed\\): second, third$`,
        'm',
      ),
    );
    expect(resumed.stdout).to.contain('2 jobs: second, third');

    const history = await cli(sb, ['history']);
    const lines = history.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).to.be.at.most(80);
    expect(lines[0]).to.match(/^RUN +WHAT +STARTED \+01:00 +STATUS +JOBS$/);
    const text = lines.join('\n');
    // the WHAT column wraps: "resume of the" / "12-01 02:00" / "night"
    expect(text).to.match(/^\S+ +resume of the +\d{4}-/m);
    expect(text).to.match(/^ +\d\d-\d\d \d\d:\d\d$/m);
    expect(text).to.match(/jobs: first/);
    expect(text).to.match(/full run/);
    expect(text).to.match(/1 succeeded,?\s+1 failed,?\s+1\s+skipped/);
    expect(text).to.match(/^\S+ +full run +\d{4}-\d\d-\d\d \d\d:\d\d +failed +1 succeeded/m);
    const json = JSON.parse((await cli(sb, ['history', '--json'])).stdout);
    expect(json.map((r: { kind: string }) => r.kind)).to.deep.equal(['resume', 'jobs', 'night']);
    expect(json[0]).to.deep.include({ resumes: nightId, jobCounts: { succeeded: 2 } });

    const jobHistory = await cli(sb, ['history', 'second']);
    for (const l of jobHistory.stdout.trimEnd().split('\n')) expect(l.length, l).to.be.at.most(80);
    const wide = await cli(sb, ['history', 'second', '--wide']);
    expect(wide.stdout).to.contain('exit code 1: the peer rejected the payload of an organisation unit');
    expect(Math.max(...wide.stdout.split('\n').map((l) => l.length))).to.be.greaterThan(80);

    const again = await cli(sb, ['run', '--resume']);
    expect(again.stdout).to.match(
      /^nothing to resume: run \S+ \(night, cli, .*\) has no failed, timed out, cancelled or skipped jobs left \(second, third succeeded since\)$/m,
    );
  });

  it('logs and history name the closest jobs; logs --run nope says there is no such run', async () => {
    const sb = sandbox({ 'runner.jobs': { second: { stage: 'export', command: 'echo second' } } });
    expect((await cli(sb, ['run'])).code).to.equal(0);
    const logs = await cli(sb, ['logs', 'secnd']);
    expect(logs.code).to.equal(2);
    expect(logs.stderr.trim()).to.equal(
      'job-runner: unknown job "secnd"; closest: second (see job-runner list)',
    );
    const history = await cli(sb, ['history', 'secon']);
    expect(history.code).to.equal(2);
    expect(history.stderr.trim()).to.match(/^job-runner: unknown job "secon"; closest: second/);
    const nope = await cli(sb, ['logs', 'second', '--run', 'nope']);
    expect(nope.code).to.equal(2);
    expect(nope.stderr.trim()).to.equal('job-runner: no such run: nope (see job-runner history)');
    const status = await cli(sb, ['status', '--run', 'nope']);
    expect(status.stderr.trim()).to.equal('job-runner: no such run: nope (see job-runner history)');
  });
});
