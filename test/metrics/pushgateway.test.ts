import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobRecord, RunSummary } from '../../orchestrator/events.js';
import { PushgatewayObserver } from '../../orchestrator/metrics/pushgateway.js';
import { metricsGroupingSpec } from '../../orchestrator/metrics/settings.js';
import { defaultObservers } from '../../orchestrator/observers.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { quietNight } from '../helpers/quiet-night.js';
import { parseExposition, startPushgateway, type StandIn } from './pushgateway-stand-in.js';

class Lines {
  lines: { level: string; message: string }[] = [];
  warn = (message: string) => this.lines.push({ level: 'warn', message });
  debug = (message: string) => this.lines.push({ level: 'debug', message });
  info = (message: string) => this.lines.push({ level: 'info', message });
  error = (message: string) => this.lines.push({ level: 'error', message });
}

const t0 = new Date('2026-11-23T01:00:00Z');
const t1 = new Date('2026-11-23T01:00:42Z');
const t2 = new Date('2026-11-23T01:03:00Z');

function job(name: string, status: JobRecord['status'], returnCode?: number): JobRecord {
  return {
    name,
    stage: 'export',
    status,
    startedAt: t0,
    finishedAt: t1,
    ...(returnCode !== undefined ? { returnCode } : {}),
  };
}

function summary(jobs: JobRecord[], exitCode: number): RunSummary {
  return {
    runId: 'r1',
    trigger: 'schedule',
    status: exitCode ? 'failed' : 'succeeded',
    startedAt: t0,
    finishedAt: t2,
    exitCode,
    jobs,
    logDir: '/tmp',
  };
}

describe('metrics/pushgateway observer', () => {
  let gw: StandIn;
  beforeEach(async () => {
    gw = await startPushgateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it("pushes DIPEX's metrics per job and the run-level group, with DIPEX's paths", async () => {
    const log = new Lines();
    const o = new PushgatewayObserver({ baseUrl: gw.base, logger: log });
    o.onRunStart({
      runId: 'r1',
      trigger: 'schedule',
      startedAt: t0,
      jobs: ['exports_os2sync', 'reports_csv'],
    });
    o.onJobStart('r1', { ...job('exports_os2sync', 'running'), finishedAt: undefined });
    o.onJobEnd('r1', job('exports_os2sync', 'failed', 1));
    o.onJobStart('r1', { ...job('reports_csv', 'running'), finishedAt: undefined });
    o.onJobEnd('r1', job('reports_csv', 'succeeded', 0));
    o.onJobEnd('r1', job('exports_cpr_uuid', 'timed_out', 124));
    o.onJobEnd('r1', {
      name: 'reports_invalid_cpr',
      stage: 'report',
      status: 'skipped',
      returnCode: 2,
      message: 'needs exports_cache_loracache',
    });
    o.onJobEnd('r1', {
      name: 'exports_historic_sql_export',
      stage: 'export',
      status: 'disabled',
      returnCode: 0,
    });
    await o.onRunEnd(
      summary(
        [
          job('exports_os2sync', 'failed', 1),
          job('reports_csv', 'succeeded', 0),
          job('exports_cpr_uuid', 'timed_out', 124),
          { name: 'reports_invalid_cpr', stage: 'report', status: 'skipped', returnCode: 2 },
          { name: 'exports_historic_sql_export', stage: 'export', status: 'disabled', returnCode: 0 },
        ],
        1,
      ),
    );

    const byPath = new Map(gw.pushes.map((p) => [p.path, parseExposition(p.body)]));
    expect(gw.pushes.every((p) => p.method === 'POST')).to.equal(true);
    expect([...byPath.keys()].sort()).to.deep.equal(
      [
        '/metrics/job/job-runner/',
        '/metrics/job/job-runner',
        '/metrics/job/exports_os2sync/',
        '/metrics/job/exports_os2sync',
        '/metrics/job/reports_csv/',
        '/metrics/job/reports_csv',
        '/metrics/job/exports_cpr_uuid',
        '/metrics/job/reports_invalid_cpr',
      ].sort(),
    );
    const s0 = Math.floor(t0.getTime() / 1000);
    const s1 = Math.floor(t1.getTime() / 1000);
    expect(byPath.get('/metrics/job/exports_os2sync/')).to.deep.equal({ mo_start_time: s0 });
    expect(byPath.get('/metrics/job/exports_os2sync')).to.deep.equal({ mo_end_time: s1, mo_return_code: 1 });
    expect(byPath.get('/metrics/job/reports_csv')).to.deep.equal({ mo_end_time: s1, mo_return_code: 0 });
    expect(byPath.get('/metrics/job/exports_cpr_uuid')).to.deep.equal({
      mo_end_time: s1,
      mo_return_code: 124,
    });
    expect(byPath.get('/metrics/job/reports_invalid_cpr')?.mo_return_code).to.equal(2);
    expect(byPath.get('/metrics/job/job-runner/')).to.deep.equal({ mo_start_time: s0 });
    expect(byPath.get('/metrics/job/job-runner')).to.deep.equal({
      mo_end_time: Math.floor(t2.getTime() / 1000),
      mo_return_code: 1,
      mo_failed_jobs: 2,
      mo_skipped_jobs: 1,
    });
    expect(gw.pushes[0]!.headers['content-type']).to.match(/^text\/plain/);
    expect(log.lines).to.deep.equal([]);
  });

  it('sends credentials in the URL as basic auth and never logs them', async () => {
    gw.status = 500;
    const log = new Lines();
    const withAuth = gw.base.replace('http://', 'http://prom:s3cretpw@');
    const o = new PushgatewayObserver({ baseUrl: withAuth, logger: log });
    o.onJobStart('r1', job('reports_csv', 'running'));
    await o.flush();
    expect(gw.pushes[0]!.headers.authorization).to.equal(
      `Basic ${Buffer.from('prom:s3cretpw').toString('base64')}`,
    );
    expect(log.lines).to.have.length(1);
    expect(log.lines[0]!.message).to.contain('HTTP 500');
    expect(log.lines[0]!.message).not.to.contain('s3cretpw');
  });

  it('never blocks a job: onJobStart returns at once while the gateway is slow; the run end waits at most the timeout', async () => {
    gw.delayMs = 5000;
    const log = new Lines();
    const o = new PushgatewayObserver({ baseUrl: gw.base, logger: log, timeoutMs: 300 });
    const before = Date.now();
    o.onRunStart({ runId: 'r1', trigger: 'cli', startedAt: t0, jobs: ['reports_csv'] });
    o.onJobStart('r1', job('reports_csv', 'running'));
    o.onJobEnd('r1', job('reports_csv', 'succeeded', 0));
    expect(Date.now() - before).to.be.lessThan(100);
    await o.onRunEnd(summary([job('reports_csv', 'succeeded', 0)], 0));
    const elapsed = Date.now() - before;
    expect(elapsed).to.be.at.least(250).and.lessThan(2500);
    expect(log.lines.filter((l) => l.level === 'warn')).to.have.length(1);
    expect(log.lines[0]!.message).to.match(
      /\(no answer within 300 ms\); further push failures in this run are not logged/,
    );
  });

  it('a dead URL: one warning line for the whole run, nothing thrown', async () => {
    const dead = await startPushgateway();
    const deadBase = dead.base;
    await dead.close();
    const log = new Lines();
    const o = new PushgatewayObserver({ baseUrl: deadBase, logger: log });
    o.onRunStart({ runId: 'r1', trigger: 'cli', startedAt: t0, jobs: ['a', 'b'] });
    o.onJobStart('r1', job('a', 'running'));
    o.onJobEnd('r1', job('a', 'succeeded', 0));
    o.onJobStart('r1', job('b', 'running'));
    o.onJobEnd('r1', job('b', 'failed', 1));
    await o.onRunEnd(summary([job('a', 'succeeded', 0), job('b', 'failed', 1)], 1));
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings).to.have.length(1);
    expect(warnings[0]!.message).to.match(
      /^prometheus: push to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/job-runner\/ failed \(ECONNREFUSED\)/,
    );
    expect(log.lines.find((l) => l.level === 'debug')?.message).to.match(/6 of 6 pushes .* failed/);
  });

  it('defaultObservers: a bad CRON_LOG_PROM_API disables metrics with one warning naming the key', () => {
    const log = new Lines();
    const observers = defaultObservers(
      new Settings({ 'crontab.CRON_LOG_PROM_API': 'not a url' }, 'test'),
      log as never,
    );
    expect(observers).to.have.length(0);
    expect(log.lines).to.have.length(1);
    expect(log.lines[0]!.message).to.match(/^prometheus metrics disabled: crontab\.CRON_LOG_PROM_API: /);
    expect(defaultObservers(new Settings({}, 'test'), log as never)).to.have.length(0);
  });
});

describe('metrics through a real run (engine + command jobs)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-metrics-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function settingsFor(prom: string, stateDir: string) {
    return new Settings(
      {
        'runner.state_dir': stateDir,
        'crontab.CRON_LOG_PROM_API': prom,
        'runner.jobs': {
          ok_job: { stage: 'export', command: 'true' },
          bad_job: { stage: 'export', command: 'exit 3' },
          after_bad: { stage: 'report', command: 'true', needs: ['bad_job'] },
        },
      },
      path.join(tmp, 'settings.json'),
    );
  }

  it('pushes start and end of every job and the run result', async () => {
    const gw = await startPushgateway();
    try {
      const settings = settingsFor(gw.base, path.join(tmp, 'live'));
      const result = await quietNight(settings, { root: tmp });
      expect(result.exitCode).to.equal(1);
      const ends = new Map(
        gw.pushes.filter((p) => !p.path.endsWith('/')).map((p) => [p.path, parseExposition(p.body)]),
      );
      expect(ends.get('/metrics/job/ok_job')?.mo_return_code).to.equal(0);
      expect(ends.get('/metrics/job/bad_job')?.mo_return_code).to.equal(1);
      expect(ends.get('/metrics/job/after_bad')?.mo_return_code).to.equal(2);
      expect(ends.get('/metrics/job/job-runner')).to.include({
        mo_return_code: 1,
        mo_failed_jobs: 1,
        mo_skipped_jobs: 1,
      });
      const starts = gw.pushes
        .filter((p) => p.path.endsWith('/'))
        .map((p) => p.path)
        .sort();
      expect(starts).to.deep.equal([
        '/metrics/job/bad_job/',
        '/metrics/job/job-runner/',
        '/metrics/job/ok_job/',
      ]);
    } finally {
      await gw.close();
    }
  });

  it('a dead pushgateway leaves the run result unchanged', async () => {
    const dead = await startPushgateway();
    await dead.close();
    const settings = settingsFor(dead.base, path.join(tmp, 'dead'));
    const result = await quietNight(settings, { root: tmp });
    expect(result.exitCode).to.equal(1);
    expect(result.jobs.find((j) => j.name === 'ok_job')?.status).to.equal('succeeded');
    const runLog = fs.readFileSync(path.join(result.logDir, 'run.jsonl'), 'utf8');
    expect(runLog.split('\n').filter((l) => l.includes('prometheus: push'))).to.have.length(1);
  });
});

describe('Pushgateway grouping labels (runner.metrics.grouping)', () => {
  let gw: StandIn;
  beforeEach(async () => {
    gw = await startPushgateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it('pushes every job and the run under {base}/{job}/municipality/andeby', async () => {
    const o = new PushgatewayObserver({
      baseUrl: gw.base,
      logger: new Lines(),
      grouping: { municipality: 'andeby' },
    });
    o.onRunStart({ runId: 'r1', trigger: 'schedule', startedAt: t0, jobs: ['reports_csv'] });
    o.onJobStart('r1', { ...job('reports_csv', 'running'), finishedAt: undefined });
    o.onJobEnd('r1', job('reports_csv', 'succeeded', 0));
    await o.onRunEnd(summary([job('reports_csv', 'succeeded', 0)], 0));
    expect([...new Set(gw.pushes.map((p) => p.path))].sort()).to.deep.equal([
      '/metrics/job/job-runner/municipality/andeby',
      '/metrics/job/reports_csv/municipality/andeby',
    ]);
  });

  it('the setting is validated: job is not a grouping label', () => {
    const log = new Lines();
    const with_ = defaultObservers(
      new Settings(
        { 'crontab.CRON_LOG_PROM_API': gw.base, 'runner.metrics.grouping': { municipality: 'andeby' } },
        't',
      ),
      log as never,
    );
    expect(with_.some((x) => x instanceof PushgatewayObserver)).to.equal(true);
    expect(log.lines).to.deep.equal([]);
    expect(() =>
      new Settings({ 'runner.metrics.grouping': { job: 'x' } }, 't').value(metricsGroupingSpec),
    ).to.throw(/runner\.metrics\.grouping/);
  });
});
