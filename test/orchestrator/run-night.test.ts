import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { runJobs } from '../../orchestrator/run-night.js';
import { openHistory } from '../../orchestrator/history.js';
import { acquireLock, liveHolder, pidAlive } from '../../orchestrator/lock.js';
import { LockHeldError } from '../../orchestrator/errors.js';
import { commandJobs } from '../../jobs/command.js';
import { quietNight } from '../helpers/quiet-night.js';
import { setting } from '../../orchestrator/setting-spec.js';
import type { RunObserver } from '../../orchestrator/events.js';
import { makeTempDir } from '../helpers/job-context.js';
import { fakeJob, settingsOf } from './fake-jobs.js';

function stateSettings(extra: Record<string, unknown>) {
  const dir = makeTempDir();
  fs.chmodSync(dir, 0o700);
  return { dir, settings: settingsOf({ 'runner.state_dir': path.join(dir, 'var'), ...extra }) };
}

describe('runJobs', () => {
  it('redacts CPR numbers and secrets in job logs, run.jsonl, messages and history', async () => {
    const secretJob = fakeJob('leaky', 'export', {
      settings: [
        setting({ key: 'leaky.token', schema: z.string(), type: 'string', secret: true, description: '' }),
      ],
      run: async (ctx) => {
        ctx.logger.info('person 010190-1234 token S3cr3tT0ken and 0101901234', { cpr: '2412851111' });
        throw new Error('failed for 1111111118 using S3cr3tT0ken');
      },
    });
    const { settings } = stateSettings({
      'crontab.RUN_LEAKY': true,
      'leaky.token': 'S3cr3tT0ken',
      'crontab.CLIENT_SECRET': 'client-secret-xyz',
      'runner.jobs': {
        echoer: { stage: 'report', command: 'echo 120345-6789 client-secret-xyz; echo done' },
      },
    });
    const jobs = [secretJob, ...commandJobs(settings)];
    const summary = await runJobs({
      settings,
      jobs,
      trigger: 'cli',
      env: process.env,
      root: process.cwd(),
      console: false,
    });
    expect(summary.exitCode).to.equal(1);
    const files = fs
      .readdirSync(summary.logDir)
      .map((f) => fs.readFileSync(path.join(summary.logDir, f), 'utf8'));
    const all = files.join('\n');
    expect(all).to.contain('[cpr]').and.to.contain('[secret]');
    for (const leak of [
      '010190-1234',
      '0101901234',
      '2412851111',
      '1111111118',
      'S3cr3tT0ken',
      '120345-6789',
      'client-secret-xyz',
    ]) {
      expect(all).not.to.contain(leak);
    }
    expect(fs.readFileSync(path.join(summary.logDir, 'echoer.log'), 'utf8')).to.contain('[cpr] [secret]');
    const leaky = summary.jobs.find((j) => j.name === 'leaky')!;
    expect(leaky.message).to.equal('failed for [cpr] using [secret]');
    const jsonl = fs
      .readFileSync(path.join(summary.logDir, 'run.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.some((l) => l.job === 'leaky' && l.cpr === '[cpr]')).to.equal(true);
    expect((fs.statSync(path.join(summary.logDir, 'leaky.log')).mode & 0o777).toString(8)).to.equal('600');
  });

  it('records history, calls observers, warns about unfinished prerequisites and resumes what did not succeed', async () => {
    let fail = true;
    const jobs = [
      fakeJob('imp', 'import'),
      fakeJob('cache', 'prepare', {
        run: async () => {
          if (fail) throw new Error('boom');
        },
      }),
      fakeJob('exp', 'export', { needs: ['cache'] }),
      fakeJob('rep', 'report'),
    ];
    const { settings } = stateSettings({
      'crontab.RUN_IMP': true,
      'crontab.RUN_CACHE': true,
      'crontab.RUN_EXP': true,
      'crontab.RUN_REP': true,
    });
    const events: string[] = [];
    const observer: RunObserver = {
      onRunStart: (r) => void events.push(`start:${r.jobs.length}`),
      onJobEnd: (_id, j) => void events.push(`${j.name}:${j.status}`),
      onRunEnd: (s) => void events.push(`end:${s.exitCode}`),
    };
    const base = { settings, jobs, env: {}, root: process.cwd(), console: false } as const;
    const first = await runJobs({ ...base, trigger: 'cli', observers: [observer] });
    expect(first.exitCode).to.equal(1);
    expect(events[0]).to.equal('start:4');
    expect(events.at(-1)).to.equal('end:1');
    expect(events).to.include.members(['cache:failed', 'exp:skipped', 'rep:succeeded']);

    fail = false;
    const single = await runJobs({ ...base, trigger: 'cli', select: ['exp'] });
    expect(single.jobs.map((j) => [j.name, j.status])).to.deep.equal([['exp', 'succeeded']]);
    const warn = fs.readFileSync(path.join(single.logDir, 'run.jsonl'), 'utf8');
    expect(warn).to.contain('exp needs cache, whose last run failed');

    const resumed = await runJobs({ ...base, trigger: 'resume', resume: true });
    // the night, not the single-job rerun, is resumed; exp has succeeded since, so only cache is left
    expect(resumed.jobs.map((j) => [j.name, j.status])).to.deep.equal([['cache', 'succeeded']]);

    const h = openHistory(path.join(settings.get('runner.state_dir') as string, 'history.sqlite'));
    const runs = h.listRuns(10);
    expect(runs.map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded', 'failed']);
    expect(runs.map((r) => r.kind)).to.deep.equal(['resume', 'jobs', 'night']);
    expect(runs[0]!.resumes).to.equal(first.runId);
    expect(runs[1]!.selection).to.deep.equal(['exp']);
    expect(h.jobCounts(first.runId)).to.deep.equal({ succeeded: 2, failed: 1, skipped: 1 });
    const jobsOfFirst = h.jobsOfRun(first.runId);
    expect(jobsOfFirst.map((j) => j.name)).to.deep.equal(['imp', 'cache', 'exp', 'rep']);
    expect(jobsOfFirst[1]).to.include({ status: 'failed', message: 'boom' });
    expect(jobsOfFirst[0]!.log).to.match(/imp\.log$/);
    h.close();
  });

  it('resumes exactly the failed, timed-out, cancelled and skipped jobs of the last run', async () => {
    let fail = true;
    const ran: string[] = [];
    const mk = (name: string, stage: 'import' | 'prepare' | 'export', needs?: string[]) =>
      fakeJob(name, stage, {
        needs,
        run: async () => {
          ran.push(name);
          if (fail && name === 'b') throw new Error('b broke');
        },
      });
    const jobs = [mk('a', 'prepare'), mk('b', 'prepare'), mk('c', 'export', ['b']), mk('d', 'export', ['a'])];
    const { settings } = stateSettings(Object.fromEntries(jobs.map((j) => [j.toggle[0], true])));
    const base = { settings, jobs, env: {}, root: process.cwd(), console: false } as const;
    await runJobs({ ...base, trigger: 'cli' });
    fail = false;
    ran.length = 0;
    const resumed = await runJobs({ ...base, trigger: 'resume', resume: true });
    expect(resumed.jobs.map((j) => j.name)).to.deep.equal(['b', 'c']);
    expect(ran).to.deep.equal(['b', 'c']);
    expect(resumed.exitCode).to.equal(0);
  });

  it('closes runs left running by a dead runner process, and resumes their unfinished jobs', async () => {
    const jobs = [fakeJob('a', 'prepare'), fakeJob('b', 'export', { needs: ['a'] })];
    const { settings } = stateSettings({ 'crontab.RUN_A': true, 'crontab.RUN_B': true });
    const state = settings.get('runner.state_dir') as string;
    fs.mkdirSync(state, { recursive: true, mode: 0o700 });
    const h = openHistory(path.join(state, 'history.sqlite'));
    const at = new Date(Date.now() - 60_000);
    h.startRun({
      id: 'killed',
      trigger: 'schedule',
      startedAt: at,
      pid: 2 ** 22 + 4321,
      logDir: '/nonexistent',
    });
    h.recordJob('killed', {
      name: 'a',
      stage: 'prepare',
      status: 'succeeded',
      startedAt: at,
      finishedAt: at,
    });
    h.recordJob('killed', { name: 'b', stage: 'export', status: 'running', startedAt: at });
    h.close();
    const resumed = await runJobs({
      settings,
      jobs,
      trigger: 'resume',
      resume: true,
      env: {},
      root: process.cwd(),
      console: false,
    });
    expect(resumed.jobs.map((j) => [j.name, j.status])).to.deep.equal([['b', 'succeeded']]);
    const h2 = openHistory(path.join(state, 'history.sqlite'));
    expect(h2.getRun('killed')).to.include({ status: 'cancelled', exitCode: 137 });
    expect(h2.jobsOfRun('killed')[1]).to.include({ status: 'cancelled' });
    expect(h2.jobsOfRun('killed')[1]!.message).to.match(/runner \(pid \d+\) died .*lock is gone/);
    h2.close();
  });

  it("kills a timed-out command job's whole process group, also when it ignores SIGTERM", async () => {
    const { dir, settings } = stateSettings({});
    const pidFile = path.join(dir, 'sleep.pid');
    const s = settings.with({
      'runner.kill_grace': '300ms',
      'runner.jobs': {
        stuck: {
          stage: 'export',
          timeout: '200ms',
          command: `trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait; sleep 30`,
        },
        other: { stage: 'export', command: 'echo fine' },
      },
    });
    const t0 = Date.now();
    const summary = await quietNight(s, { env: process.env, root: dir });
    expect(Date.now() - t0).to.be.below(5000);
    const byName = Object.fromEntries(summary.jobs.map((j) => [j.name, j]));
    expect(byName.stuck).to.include({ status: 'timed_out', message: 'timed out after 200 ms' });
    expect(byName.other!.status).to.equal('succeeded');
    expect(summary.exitCode).to.equal(1);
    const sleepPid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pidAlive(sleepPid)).to.equal(false);
  });

  it('redacts secrets that come only from the environment', async () => {
    const { settings } = stateSettings({
      'runner.jobs': { e: { stage: 'export', command: 'echo "$CLIENT_SECRET"' } },
    });
    const summary = await quietNight(settings, {
      env: { ...process.env, CLIENT_SECRET: 'env-only-secret-42' },
      root: process.cwd(),
    });
    const log = fs.readFileSync(path.join(summary.logDir, 'e.log'), 'utf8');
    expect(log).to.contain('[secret]').and.not.to.contain('env-only-secret-42');
    expect(summary.jobs[0]!.message).to.equal('[secret]');
  });

  it('deletes runs and log dirs older than runner.keep_days', async () => {
    const { settings } = stateSettings({ 'crontab.RUN_A': true, 'runner.keep_days': 1 });
    const jobs = [fakeJob('a', 'export')];
    const old = await runJobs({
      settings,
      jobs,
      trigger: 'cli',
      env: {},
      root: process.cwd(),
      console: false,
    });
    const state = settings.get('runner.state_dir') as string;
    const h = openHistory(path.join(state, 'history.sqlite'));
    // age the first run by three days
    const past = new Date(Date.now() - 3 * 86_400_000);
    (h as unknown as { close(): void }).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(state, 'history.sqlite'));
    db.prepare('UPDATE runs SET started = ? WHERE id = ?').run(past.toISOString(), old.runId);
    db.close();
    fs.utimesSync(old.logDir, past, past);
    await runJobs({ settings, jobs, trigger: 'cli', env: {}, root: process.cwd(), console: false });
    expect(fs.existsSync(old.logDir)).to.equal(false);
    const h2 = openHistory(path.join(state, 'history.sqlite'));
    expect(h2.getRun(old.runId)).to.equal(undefined);
    expect(h2.listRuns(10)).to.have.length(1);
    h2.close();
  });

  it('holds one lock; a stale lock (dead pid) is taken over with a warning', () => {
    const dir = makeTempDir();
    const lock = acquireLock(dir, 'r1', () => undefined);
    expect(liveHolder(dir)).to.include({ pid: process.pid, runId: 'r1' });
    expect(() =>
      acquireLock(
        dir,
        'r2',
        () => undefined,
        () => 'x is running now',
      ),
    ).to.throw(LockHeldError, new RegExp(`pid ${process.pid}, started [^,]+, run r1; x is running now`));
    lock.release();
    expect(liveHolder(dir)).to.equal(undefined);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).to.equal(false);
    fs.writeFileSync(
      path.join(dir, 'run.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 'yesterday', runId: 'old' }),
    );
    const warnings: string[] = [];
    const taken = acquireLock(dir, 'r3', (m) => warnings.push(m));
    expect(warnings[0]).to.match(/stale lock .*pid 4206649, which is gone/);
    taken.release();
  });

  it('cancels the run when another runner took its lease over (its heartbeat had expired)', async () => {
    const { settings, dir } = stateSettings({ 'crontab.RUN_THIEF': true });
    const lockDir = path.join(dir, 'var', 'run.lock');
    const thief = fakeJob('thief', 'export', {
      run: async (ctx) => {
        // what a runner on another host writes after taking the expired lease over
        const holder = JSON.parse(fs.readFileSync(path.join(lockDir, 'holder.json'), 'utf8'));
        fs.writeFileSync(
          path.join(lockDir, 'holder.json'),
          JSON.stringify({ ...holder, host: 'pod-b', token: 'theirs', runId: 'their-run' }),
        );
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        throw ctx.signal.reason;
      },
    });
    const summary = await runJobs({
      settings,
      jobs: [thief],
      trigger: 'cli',
      env: {},
      root: process.cwd(),
      console: false,
      lockRenewMs: 20,
    });
    expect(summary.exitCode).to.equal(130);
    expect(summary.jobs.map((j) => [j.name, j.status])).to.deep.equal([['thief', 'cancelled']]);
    // the new holder's lease is left alone
    expect(JSON.parse(fs.readFileSync(path.join(lockDir, 'holder.json'), 'utf8'))).to.include({
      host: 'pod-b',
      runId: 'their-run',
    });
  });

  it('stores heartbeats and skipped overlaps', () => {
    const h = openHistory(':memory:');
    expect(h.getHeartbeat()).to.equal(undefined);
    const at = new Date('2026-11-23T01:00:00Z');
    h.setHeartbeat({ pid: 42, startedAt: at, nextRunAt: new Date('2026-11-24T01:00:00Z'), at });
    h.setHeartbeat({ pid: 43, startedAt: at, nextRunAt: null, at });
    expect(h.getHeartbeat()).to.deep.equal({
      pid: 43,
      startedAt: at.toISOString(),
      nextRunAt: null,
      at: at.toISOString(),
    });
    const id = h.recordSkippedOverlap('schedule', at);
    expect(h.getRun(id)).to.include({ status: 'skipped_overlap', trigger: 'schedule', exitCode: 3 });
    expect(h.lastRun()).to.equal(undefined);
    h.close();
  });
});
