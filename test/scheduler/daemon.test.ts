import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary, RunTrigger } from '../../orchestrator/events.js';
import { LockHeldError } from '../../orchestrator/errors.js';
import { openHistory } from '../../orchestrator/history.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { scheduleAction } from '../../orchestrator/commands/schedule.js';
import { cronCalendar } from '../../orchestrator/scheduler/cron-calendar.js';
import { type Heartbeat, ScheduleDaemon, type ScheduleHistory } from '../../orchestrator/scheduler/daemon.js';
import { scheduleHistory } from '../../orchestrator/scheduler/history-adapter.js';
import { FakeTime, settle } from './fake-time.js';

const CPH = 'Europe/Copenhagen';

class MemoryHistory implements ScheduleHistory {
  runsStarted: Date[] = [];
  overlaps: { trigger: RunTrigger; at: Date }[] = [];
  heartbeats: Heartbeat[] = [];
  hasRunSince(at: Date): boolean {
    return this.runsStarted.some((d) => d.getTime() >= at.getTime());
  }
  recordSkippedOverlap(trigger: RunTrigger, at: Date): void {
    this.overlaps.push({ trigger, at });
  }
  setHeartbeat(h: Heartbeat): void {
    this.heartbeats.push(h);
  }
}

class MemoryLogger {
  lines: { level: string; message: string }[] = [];
  info = (message: string) => this.lines.push({ level: 'info', message });
  warn = (message: string) => this.lines.push({ level: 'warn', message });
  error = (message: string) => this.lines.push({ level: 'error', message });
}

interface NightCall {
  trigger: RunTrigger;
  at: Date;
  signal: AbortSignal;
  finish(): void;
}

/** A runNight stand-in: records calls; each night ends when the test calls finish() (or at once with autoFinish). */
function fakeNights(time: FakeTime, opts: { autoFinish?: boolean } = {}) {
  const calls: NightCall[] = [];
  const runNight = (trigger: RunTrigger, signal: AbortSignal): Promise<RunSummary> =>
    new Promise((resolve) => {
      const startedAt = time.now();
      const finish = () =>
        resolve({
          runId: `r${calls.length}`,
          trigger,
          status: signal.aborted ? 'cancelled' : 'succeeded',
          startedAt,
          finishedAt: time.now(),
          exitCode: signal.aborted ? 130 : 0,
          jobs: [],
          logDir: '/tmp',
        });
      calls.push({ trigger, at: startedAt, signal, finish });
      if (opts.autoFinish) finish();
      else signal.addEventListener('abort', finish, { once: true });
    });
  return { calls, runNight };
}

function makeDaemon(expr: string, startIso: string, opts: { catchUpMs?: number; autoFinish?: boolean } = {}) {
  const time = new FakeTime(Date.parse(startIso));
  const history = new MemoryHistory();
  const logger = new MemoryLogger();
  const nights = fakeNights(time, { autoFinish: opts.autoFinish ?? true });
  const controller = new AbortController();
  const daemon = new ScheduleDaemon({
    calendar: cronCalendar(expr, CPH),
    catchUpMs: opts.catchUpMs ?? 6 * 3600_000,
    runNight: nights.runNight,
    history,
    logger,
    clock: time,
    timers: time,
    ticker: time,
    pid: 4242,
  });
  return { time, history, logger, nights, controller, daemon };
}

describe('scheduler/daemon', () => {
  it('runs the night at the scheduled time and reports the next one in the heartbeat', async () => {
    const d = makeDaemon('0 2 * * *', '2026-11-22T12:00:00Z');
    const done = d.daemon.run(d.controller.signal);
    await d.time.advanceTo('2026-11-23T00:59:00Z');
    expect(d.nights.calls).to.have.length(0);
    expect(d.history.heartbeats.at(-1)?.nextRunAt?.toISOString()).to.equal('2026-11-23T01:00:00.000Z');
    expect(d.history.heartbeats.at(-1)?.pid).to.equal(4242);
    await d.time.advanceTo('2026-11-23T01:00:00Z');
    expect(d.nights.calls.map((c) => [c.trigger, c.at.toISOString()])).to.deep.equal([
      ['schedule', '2026-11-23T01:00:00.000Z'],
    ]);
    await d.time.advanceTo('2026-11-23T01:05:00Z');
    expect(d.history.heartbeats.at(-1)?.nextRunAt?.toISOString()).to.equal('2026-11-24T01:00:00.000Z');
    d.controller.abort();
    await done;
  });

  it('writes a heartbeat every minute', async () => {
    const d = makeDaemon('0 2 * * *', '2026-11-22T12:00:00Z');
    const done = d.daemon.run(d.controller.signal);
    await settle();
    const before = d.history.heartbeats.length;
    await d.time.advanceTo('2026-11-22T12:10:00Z');
    expect(d.time.ticks).to.equal(10);
    expect(d.history.heartbeats.length - before).to.equal(10);
    expect(d.history.heartbeats.at(-1)?.at.toISOString()).to.equal('2026-11-22T12:10:00.000Z');
    d.controller.abort();
    await done;
  });

  it('DST spring forward: 02:30 runs once at 03:00 CEST on 29 March', async () => {
    const d = makeDaemon('30 2 * * *', '2026-03-28T12:00:00Z');
    const done = d.daemon.run(d.controller.signal);
    await d.time.advanceTo('2026-03-29T12:00:00Z');
    expect(d.nights.calls.map((c) => c.at.toISOString())).to.deep.equal(['2026-03-29T01:00:00.000Z']);
    await d.time.advanceTo('2026-03-30T12:00:00Z');
    expect(d.nights.calls.map((c) => c.at.toISOString())).to.deep.equal([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    d.controller.abort();
    await done;
  });

  it('DST fall back: 02:30 runs once on 25 October although it occurs twice', async () => {
    const d = makeDaemon('30 2 * * *', '2026-10-24T12:00:00Z');
    const done = d.daemon.run(d.controller.signal);
    await d.time.advanceTo('2026-10-25T12:00:00Z');
    expect(d.nights.calls.map((c) => c.at.toISOString())).to.deep.equal(['2026-10-25T00:30:00.000Z']);
    d.controller.abort();
    await done;
  });

  it('refuses to overlap: a still-running night means the next one is not started, and it is recorded', async () => {
    const d = makeDaemon('0 * * * *', '2026-11-23T09:30:00Z', { autoFinish: false, catchUpMs: 0 });
    const done = d.daemon.run(d.controller.signal);
    await d.time.advanceTo('2026-11-23T10:00:00Z');
    expect(d.nights.calls).to.have.length(1);
    await d.time.advanceTo('2026-11-23T11:00:00Z');
    expect(d.nights.calls).to.have.length(1);
    expect(d.history.overlaps).to.deep.equal([{ trigger: 'schedule', at: new Date('2026-11-23T11:00:00Z') }]);
    expect(d.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).to.have.length(1);
    expect(d.logger.lines.find((l) => l.level === 'warn')?.message).to.match(/still running.*not started/);
    d.nights.calls[0]!.finish();
    await d.time.advanceTo('2026-11-23T12:00:00Z');
    expect(d.nights.calls).to.have.length(2);
    d.controller.abort();
    await done;
  });

  describe('catch-up', () => {
    it('runs once at start when the last scheduled night within the window has no run', async () => {
      const d = makeDaemon('0 2 * * *', '2026-11-23T04:00:00Z');
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T04:00:00Z');
      expect(d.nights.calls.map((c) => [c.trigger, c.at.toISOString()])).to.deep.equal([
        ['catch-up', '2026-11-23T04:00:00.000Z'],
      ]);
      expect(d.logger.lines.some((l) => /did not run; catching up once now/.test(l.message))).to.equal(true);
      await d.time.advanceTo('2026-11-23T23:00:00Z');
      expect(d.nights.calls).to.have.length(1);
      d.controller.abort();
      await done;
    });

    it('runs only one catch-up night even when several scheduled times were missed', async () => {
      const d = makeDaemon('*/20 * * * *', '2026-11-23T04:10:00Z', { catchUpMs: 3 * 3600_000 });
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T04:19:00Z');
      expect(d.nights.calls.map((c) => c.trigger)).to.deep.equal(['catch-up']);
      d.controller.abort();
      await done;
    });

    it('a start-up that straddles the scheduled time runs one night (catch-up), no overlap record', async () => {
      const d = makeDaemon('0 2 * * *', '2026-11-23T00:59:59Z', { autoFinish: false });
      await d.time.advanceTo('2026-11-23T01:00:02Z'); // the daemon is built, run() comes late
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T01:30:00Z');
      expect(d.nights.calls.map((c) => c.trigger)).to.deep.equal(['catch-up']);
      expect(d.history.overlaps).to.deep.equal([]);
      d.controller.abort();
      await done;
    });

    it('does not run when the history has a run since the scheduled time', async () => {
      const d = makeDaemon('0 2 * * *', '2026-11-23T04:00:00Z');
      d.history.runsStarted.push(new Date('2026-11-23T01:00:05Z'));
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T05:00:00Z');
      expect(d.nights.calls).to.have.length(0);
      d.controller.abort();
      await done;
    });

    it('does not run when the scheduled time is older than runner.catch_up', async () => {
      const d = makeDaemon('0 2 * * *', '2026-11-23T07:00:01Z');
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T08:00:00Z');
      expect(d.nights.calls).to.have.length(0);
      d.controller.abort();
      await done;
    });

    it('is disabled with runner.catch_up 0', async () => {
      const d = makeDaemon('0 2 * * *', '2026-11-23T01:30:00Z', { catchUpMs: 0 });
      const done = d.daemon.run(d.controller.signal);
      await d.time.advanceTo('2026-11-23T02:00:00Z');
      expect(d.nights.calls).to.have.length(0);
      d.controller.abort();
      await done;
    });
  });

  it('shuts down cleanly: stops scheduling, cancels the running night, waits for it, clears the next run', async () => {
    const d = makeDaemon('0 2 * * *', '2026-11-22T12:00:00Z', { autoFinish: false });
    const done = d.daemon.run(d.controller.signal);
    await d.time.advanceTo('2026-11-23T01:00:00Z');
    expect(d.nights.calls).to.have.length(1);
    let resolved = false;
    void done.then(() => (resolved = true));
    d.controller.abort('SIGTERM');
    await settle();
    expect(d.nights.calls[0]!.signal.aborted).to.equal(true);
    expect(d.nights.calls[0]!.signal.reason).to.equal('SIGTERM');
    await done;
    expect(resolved).to.equal(true);
    expect(d.time.timersPending).to.equal(0);
    expect(d.history.heartbeats.at(-1)?.nextRunAt).to.equal(null);
    expect(d.logger.lines.map((l) => l.message)).to.include('schedule: stopped');
    await d.time.advanceTo('2026-11-25T12:00:00Z');
    expect(d.nights.calls).to.have.length(1);
  });

  it('keeps scheduling when a night throws, and when the history cannot be written (one warning)', async () => {
    const time = new FakeTime(Date.parse('2026-11-22T12:00:00Z'));
    const logger = new MemoryLogger();
    const calls: string[] = [];
    const controller = new AbortController();
    const broken: ScheduleHistory = {
      hasRunSince: () => false,
      recordSkippedOverlap: () => {
        throw new Error('disk full');
      },
      setHeartbeat: () => {
        throw new Error('disk full');
      },
    };
    const daemon = new ScheduleDaemon({
      calendar: cronCalendar('0 2 * * *', CPH),
      catchUpMs: 0,
      runNight: async (trigger) => {
        calls.push(trigger);
        throw new Error('settings file vanished\n    at stack');
      },
      history: broken,
      logger,
      clock: time,
      timers: time,
      ticker: time,
      pid: 1,
    });
    const done = daemon.run(controller.signal);
    await time.advanceTo('2026-11-24T12:00:00Z');
    expect(calls).to.deep.equal(['schedule', 'schedule']);
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).to.deep.equal([
      'schedule: the schedule night could not run: settings file vanished',
      'schedule: the schedule night could not run: settings file vanished',
    ]);
    expect(logger.lines.filter((l) => /cannot write run history/.test(l.message))).to.have.length(1);
    controller.abort();
    await done;
  });
});

describe('scheduleAction', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-schedule-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exits 2 with a one-line message naming runner.schedule for a bad expression', async () => {
    const settings = new Settings({ 'runner.schedule': '0 25 * * *', 'runner.state_dir': tmp }, 'test');
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (
      written.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    try {
      const code = await scheduleAction({
        settings,
        signal: new AbortController().signal,
        runNight: () => Promise.reject(new Error('not called')),
      });
      expect(code).to.equal(2);
    } finally {
      process.stderr.write = original;
    }
    expect(written.join('')).to.match(
      /^job-runner schedule: runner\.schedule: invalid cron expression "0 25 \* \* \*"/,
    );
    expect(written.join('').trim().split('\n')).to.have.length(1);
  });

  it('runs against the real history: catch-up recorded, heartbeat readable, exit 0 on stop', async () => {
    const stateDir = path.join(tmp, 'state');
    const settings = new Settings({ 'runner.state_dir': stateDir }, 'test');
    const time = new FakeTime(Date.parse('2026-11-23T03:00:00Z'));
    const controller = new AbortController();
    const triggers: RunTrigger[] = [];
    const result = scheduleAction({
      settings,
      signal: controller.signal,
      clock: time,
      timers: time,
      ticker: time,
      logger: new MemoryLogger() as never,
      runNight: async (trigger) => {
        triggers.push(trigger);
        return {
          runId: 'x',
          trigger,
          status: 'succeeded',
          startedAt: time.now(),
          finishedAt: time.now(),
          exitCode: 0,
          jobs: [],
          logDir: stateDir,
        };
      },
    });
    await time.advanceTo('2026-11-23T03:02:00Z');
    const history = openHistory(path.join(stateDir, 'history.sqlite'), { readonly: true });
    try {
      const hb = history.getHeartbeat();
      expect(hb?.nextRunAt).to.equal('2026-11-24T01:00:00.000Z');
      expect(hb?.pid).to.equal(process.pid);
    } finally {
      history.close();
    }
    controller.abort();
    expect(await result).to.equal(0);
    expect(triggers).to.deep.equal(['catch-up']);
  });

  it('history adapter: skipped overlaps and dry runs do not count as a run for the catch-up', () => {
    const store = openHistory(':memory:');
    const adapter = scheduleHistory(store);
    const at = new Date('2026-11-23T01:00:00Z');
    adapter.recordSkippedOverlap('schedule', new Date('2026-11-23T01:00:00Z'));
    store.startRun({
      id: 'dry',
      trigger: 'cli',
      startedAt: new Date('2026-11-23T01:10:00Z'),
      pid: 1,
      logDir: '/x',
      dryRun: true,
    });
    store.startRun({
      id: 'old',
      trigger: 'cli',
      startedAt: new Date('2026-11-22T01:10:00Z'),
      pid: 1,
      logDir: '/x',
    });
    expect(adapter.hasRunSince(at)).to.equal(false);
    store.startRun({
      id: 'real',
      trigger: 'cli',
      startedAt: new Date('2026-11-23T01:20:00Z'),
      pid: 1,
      logDir: '/x',
    });
    expect(adapter.hasRunSince(at)).to.equal(true);
    store.close();
  });
});

describe('scheduler/daemon and the run lock', () => {
  it('a night refused because another process holds the lock is logged and recorded as an overlap', async () => {
    const time = new FakeTime(Date.parse('2026-11-22T12:00:00Z'));
    const history = new MemoryHistory();
    const logger = new MemoryLogger();
    const controller = new AbortController();
    const daemon = new ScheduleDaemon({
      calendar: cronCalendar('0 2 * * *', CPH),
      catchUpMs: 0,
      runNight: () =>
        Promise.reject(new LockHeldError('another run (pid 77, run 20261123T005500Z-ab12) holds the lock')),
      history,
      logger,
      clock: time,
      timers: time,
      ticker: time,
      pid: 1,
    });
    const done = daemon.run(controller.signal);
    await time.advanceTo('2026-11-23T01:00:00Z');
    expect(history.overlaps).to.deep.equal([{ trigger: 'schedule', at: new Date('2026-11-23T01:00:00Z') }]);
    const warn = logger.lines.find((l) => l.level === 'warn')?.message ?? '';
    expect(warn).to.match(
      /another run holds the lock .*pid 77.*the night due at 2026-11-23 02:00:00 Europe\/Copenhagen .* was not started/,
    );
    expect(logger.lines.filter((l) => l.level === 'error')).to.have.length(0);
    controller.abort();
    await done;
  });
});
