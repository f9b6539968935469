import { expect } from 'chai';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { startTriggerEmulator, type TriggerEmulator } from '../emulators/sd/index.js';
import { importsManagerSync, importsSdChangedAt, importsSdtoolPlus } from '../../jobs/imports/definition.js';
import { closedPort } from '../clients/tiny-server.js';
import type { JobDefinition, JobResult } from '../../orchestrator/job.js';

const FAST_POLL = {
  'imports.sd_changed_at.poll_interval': '20ms',
  'imports.sd_changed_at.poll_max_interval': '40ms',
  'imports.sd_changed_at.start_timeout': '300ms',
  'imports.sd_changed_at.timeout': '1s',
  'imports.sd_changed_at.request_timeout': '200ms',
};

describe('import jobs', function () {
  this.timeout(10_000);
  let emulator: TriggerEmulator;
  const contexts: TestJobContext[] = [];

  beforeEach(async () => {
    emulator = await startTriggerEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
    for (const c of contexts.splice(0)) c.cleanup();
  });

  async function runJob(
    def: JobDefinition,
    settings: Record<string, unknown> = {},
    opts: { dryRun?: boolean; signal?: AbortSignal } = {},
  ) {
    const ctx = makeJobContext(def.name, { ...emulator.settings(), ...FAST_POLL, ...settings }, opts);
    contexts.push(ctx);
    const mod = await def.load();
    let result: JobResult | undefined;
    let error: Error | undefined;
    const started = Date.now();
    try {
      result = await mod.run(ctx);
    } catch (err) {
      error = err as Error;
    }
    return { result, error, ms: Date.now() - started, ctx };
  }

  describe('definitions', () => {
    it('declare DIPEX default URLs and load real implementations', async () => {
      const urls = [importsSdtoolPlus, importsSdChangedAt, importsManagerSync].flatMap((d) =>
        (d.settings ?? []).filter((s) => s.key.endsWith('url')).map((s) => `${s.key}=${String(s.default)}`),
      );
      expect(urls).to.deep.equal([
        'imports.sdtool_plus.url=http://localhost:8040/trigger',
        'imports.sd_changed_at.url=http://localhost:8030/trigger',
        'imports.sd_changed_at.metrics_url=http://localhost:8030/metrics',
        'imports.manager_sync.url=http://localhost:8020/trigger/all',
      ]);
    });

    it('name the setting when a URL is invalid', async () => {
      const { error } = await runJob(importsSdtoolPlus, { 'imports.sdtool_plus.url': 'not a url' });
      expect(error?.message).to.match(/^imports.sdtool_plus.url: /);
    });
  });

  describe('imports_sdtool_plus', () => {
    it('succeeds when SDTool+ answers 200 and counts the operations', async () => {
      emulator.configure('sdtoolPlus', { outcome: 'ok', runTimeMs: 50 });
      const { result, error } = await runJob(importsSdtoolPlus);
      expect(error).to.equal(undefined);
      expect(result?.counters).to.deep.equal({ operations: 1 });
      expect(result?.message).to.equal('SDTool+ answered HTTP 200; 1 operation');
      expect(emulator.sdtoolPlus.triggers).to.equal(1);
    });

    it('uses the dry-run endpoint on a dry run', async () => {
      const { result } = await runJob(importsSdtoolPlus, {}, { dryRun: true });
      expect(result?.message).to.match(/^SDTool\+ dry run answered HTTP 200/);
    });

    it('fails on HTTP 500 with one line', async () => {
      emulator.configure('sdtoolPlus', { outcome: 'http500' });
      const { error } = await runJob(importsSdtoolPlus);
      expect(error?.message).to.equal(
        `POST ${emulator.sdtoolPlus.triggerUrl}: HTTP 500 Internal Server Error (Internal Server Error)`,
      );
    });

    it('fails when the run fails after a while', async () => {
      emulator.configure('sdtoolPlus', { outcome: 'failure', runTimeMs: 50 });
      const { error } = await runJob(importsSdtoolPlus);
      expect(error?.message).to.match(
        /HTTP 500 Internal Server Error \(run failed: SD answered with an error\)$/,
      );
    });

    it('fails on connection refused', async () => {
      const port = await closedPort();
      const { error } = await runJob(importsSdtoolPlus, {
        'imports.sdtool_plus.url': `http://127.0.0.1:${port}/trigger`,
      });
      expect(error?.message).to.equal(`POST http://127.0.0.1:${port}/trigger: connection refused`);
    });

    it('fails after imports.sdtool_plus.timeout when SDTool+ never answers', async () => {
      emulator.configure('sdtoolPlus', { outcome: 'hang' });
      const { error, ms } = await runJob(importsSdtoolPlus, { 'imports.sdtool_plus.timeout': '150ms' });
      expect(error?.message).to.equal(`POST ${emulator.sdtoolPlus.triggerUrl}: timed out after 150ms`);
      expect(ms).to.be.below(2000);
    });

    it('stops when the job is cancelled', async () => {
      emulator.configure('sdtoolPlus', { outcome: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort('cancelled'), 50);
      const { error, ms } = await runJob(importsSdtoolPlus, {}, { signal: controller.signal });
      expect(error?.message).to.equal('aborted (cancelled)');
      expect(ms).to.be.below(2000);
    });
  });

  describe('imports_manager_sync', () => {
    it('succeeds on 202', async () => {
      emulator.configure('managerSync', { outcome: 'ok', runTimeMs: 30 });
      const { result, error } = await runJob(importsManagerSync);
      expect(error).to.equal(undefined);
      expect(result?.message).to.equal('manager sync answered HTTP 202');
      expect(emulator.managerSync.triggers).to.equal(1);
    });

    it('fails on HTTP 500 (DIPEX reported success)', async () => {
      emulator.configure('managerSync', { outcome: 'http500' });
      const { error } = await runJob(importsManagerSync);
      expect(error?.message).to.match(/^POST http:\/\/127\.0\.0\.1:\d+\/trigger\/all: HTTP 500/);
    });

    it('fails on connection refused (DIPEX reported success)', async () => {
      const port = await closedPort();
      const { error } = await runJob(importsManagerSync, {
        'imports.manager_sync.url': `http://127.0.0.1:${port}/trigger/all`,
      });
      expect(error?.message).to.equal(`POST http://127.0.0.1:${port}/trigger/all: connection refused`);
    });

    it('fails after imports.manager_sync.timeout', async () => {
      emulator.configure('managerSync', { outcome: 'hang' });
      const { error } = await runJob(importsManagerSync, { 'imports.manager_sync.timeout': '100ms' });
      expect(error?.message).to.match(/timed out after 100ms$/);
    });

    it('only reports what it would do on a dry run', async () => {
      const { result } = await runJob(importsManagerSync, {}, { dryRun: true });
      expect(result?.message).to.match(/^dry run: would POST /);
      expect(emulator.managerSync.triggers).to.equal(0);
    });
  });

  describe('imports_sd_changed_at', () => {
    it('succeeds when the run goes running → ok', async () => {
      emulator.configure('sdChangedAt', { outcome: 'ok', startDelayMs: 30, runTimeMs: 150 });
      const { result, error, ctx } = await runJob(importsSdChangedAt);
      expect(error).to.equal(undefined);
      expect(result?.message).to.match(/^SD changed-at finished ok after \d+ms$/);
      expect(ctx.logLines.map((l) => l.message)).to.include.members([
        `POST ${emulator.sdChangedAt.triggerUrl}`,
      ]);
      expect(ctx.logLines.some((l) => /sd_changed_at_state: running/.test(l.message))).to.equal(true);
      expect(emulator.sdChangedAt.triggers).to.equal(1);
    });

    it('logs the state and the time waited every progress_interval while the run goes on', async () => {
      emulator.configure('sdChangedAt', { outcome: 'ok', startDelayMs: 0, runTimeMs: 600 });
      const { result, ctx } = await runJob(importsSdChangedAt, {
        'imports.sd_changed_at.progress_interval': '100ms',
        'imports.sd_changed_at.poll_interval': '250ms',
        'imports.sd_changed_at.poll_max_interval': '250ms',
        'imports.sd_changed_at.timeout': '5s',
      });
      expect(result?.message).to.match(/finished ok/);
      const waiting = ctx.logLines
        .map((l) => l.message)
        .filter((m) => m.startsWith('waiting for SD changed-at'));
      // more progress lines than state changes: the job says it is alive between polls
      expect(waiting.length).to.be.at.least(2);
      expect(waiting.at(-1)).to.match(/^waiting for SD changed-at: state running after \d+ms \(\d+ polls\)$/);
      const before = waiting.length;
      await new Promise((r) => setTimeout(r, 250));
      expect(
        ctx.logLines.filter((l) => l.message.startsWith('waiting for')).length,
        'stops at the end',
      ).to.equal(before);
    });

    it('fails at once on failure', async () => {
      emulator.configure('sdChangedAt', { outcome: 'failure', startDelayMs: 0, runTimeMs: 60 });
      const { error, ms } = await runJob(importsSdChangedAt, { 'imports.sd_changed_at.timeout': '5s' });
      expect(error?.message).to.match(
        /^SD changed-at run failed \(sd_changed_at_state = failure after \d+ms\)$/,
      );
      expect(ms).to.be.below(1000);
    });

    it("does not accept the previous run's ok (stale ok) and fails after start_timeout", async () => {
      emulator.configure('sdChangedAt', { outcome: 'stale_ok', previousState: 'ok' });
      const { error, ms } = await runJob(importsSdChangedAt);
      expect(error?.message).to.match(
        /^SD changed-at did not start: \d+ms after the trigger the metrics still show the previous run's state "ok" \(imports.sd_changed_at.start_timeout\)$/,
      );
      expect(ms).to.be.within(300, 1500);
      expect(emulator.sdChangedAt.metricsReads).to.be.above(2);
    });

    it('waits through a stale ok until the new run shows running, then ok', async () => {
      emulator.configure('sdChangedAt', {
        outcome: 'ok',
        previousState: 'ok',
        startDelayMs: 100,
        runTimeMs: 100,
        timestamps: false,
      });
      const { result, ctx } = await runJob(importsSdChangedAt);
      expect(result?.message).to.match(/finished ok/);
      const states = ctx.logLines.map((l) => l.message).filter((m) => m.startsWith('sd_changed_at_state'));
      expect(states.map((m) => m.split(' ')[1])).to.deep.equal(['ok', 'running', 'ok']);
    });

    it("does not fail on the previous run's failure", async () => {
      emulator.configure('sdChangedAt', {
        outcome: 'ok',
        previousState: 'failure',
        startDelayMs: 80,
        runTimeMs: 80,
        timestamps: false,
      });
      const { result, error } = await runJob(importsSdChangedAt);
      expect(error).to.equal(undefined);
      expect(result?.message).to.match(/finished ok/);
    });

    it('accepts a run too quick to be seen running when the timestamps are newer than the trigger', async () => {
      emulator.configure('sdChangedAt', { outcome: 'ok', startDelayMs: 0, runTimeMs: 0, timestamps: true });
      const { result } = await runJob(importsSdChangedAt, { 'imports.sd_changed_at.poll_interval': '80ms' });
      expect(result?.message).to.match(/finished ok/);
    });

    it('waits while sdlon is too busy to answer /metrics, then sees the finished run', async () => {
      emulator.configure('sdChangedAt', { outcome: 'ok', runTimeMs: 500, metricsBlockedWhileRunning: true });
      const { result, ctx } = await runJob(importsSdChangedAt, {
        'imports.sd_changed_at.timeout': '3s',
        'imports.sd_changed_at.request_timeout': '100ms',
      });
      expect(result?.message).to.match(/finished ok/);
      expect(ctx.logLines.some((l) => /timed out after 100ms \(sdlon busy\?\)/.test(l.message))).to.equal(
        true,
      );
    });

    it('fails after imports.sd_changed_at.timeout when the run hangs', async () => {
      emulator.configure('sdChangedAt', { outcome: 'hang' });
      const { error, ms } = await runJob(importsSdChangedAt, { 'imports.sd_changed_at.timeout': '300ms' });
      expect(error?.message).to.equal(
        'SD changed-at did not finish within 300ms (last state "running"; imports.sd_changed_at.timeout)',
      );
      expect(ms).to.be.below(2000);
    });

    it('stops polling at once when the job is cancelled', async () => {
      emulator.configure('sdChangedAt', { outcome: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort('timeout'), 150);
      const { error, ms, ctx } = await runJob(
        importsSdChangedAt,
        { 'imports.sd_changed_at.timeout': '10s' },
        { signal: controller.signal },
      );
      expect(error?.message).to.equal('aborted (timeout)');
      expect(ms).to.be.below(1000);
      expect(ctx.logLines.filter((l) => l.level === 'warn')).to.deep.equal([]);
    });

    it('fails on HTTP 500 from the trigger without polling', async () => {
      emulator.configure('sdChangedAt', { outcome: 'http500' });
      const { error } = await runJob(importsSdChangedAt);
      expect(error?.message).to.equal(
        `POST ${emulator.sdChangedAt.triggerUrl}: HTTP 500 Internal Server Error (Internal Server Error)`,
      );
      expect(emulator.sdChangedAt.metricsReads).to.equal(0);
    });

    it('fails on connection refused', async () => {
      const port = await closedPort();
      const { error } = await runJob(importsSdChangedAt, {
        'imports.sd_changed_at.url': `http://127.0.0.1:${port}/trigger`,
      });
      expect(error?.message).to.equal(`POST http://127.0.0.1:${port}/trigger: connection refused`);
    });

    it('fails when the metrics endpoint keeps failing', async () => {
      const port = await closedPort();
      const { error } = await runJob(importsSdChangedAt, {
        'imports.sd_changed_at.metrics_url': `http://127.0.0.1:${port}/metrics`,
      });
      expect(error?.message).to.equal(
        `SD changed-at metrics unreadable 5 times in a row: GET http://127.0.0.1:${port}/metrics: connection refused`,
      );
    });
  });
});
