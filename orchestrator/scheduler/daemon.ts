/**
 * The schedule daemon's loop: arms a timer for the next due instant (cron-calendar.ts), uses a
 * one-minute tick (node-cron in production) for the heartbeat and as a safety net for late timers,
 * refuses overlapping nights, runs one catch-up night on start, and stops cleanly on abort.
 * Clock, timers, tick source and history are injected so tests never really wait.
 */
import type { RunSummary, RunTrigger } from '../events.js';
import { LockHeldError } from '../errors.js';
import { type CronCalendar, lastRunWithin, nextRunAfter } from './cron-calendar.js';

export interface Clock {
  now(): Date;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Calls onTick about once a minute until stopped. */
export interface Ticker {
  start(onTick: () => void): { stop(): void };
}

export interface Heartbeat {
  pid: number;
  startedAt: Date;
  /** Null once the daemon has stopped. */
  nextRunAt: Date | null;
  at: Date;
}

/** What the daemon needs from the run history (an adapter over orchestrator/history.ts). */
export interface ScheduleHistory {
  /** Whether any run started at or after `at` (decides the catch-up). */
  hasRunSince(at: Date): boolean | Promise<boolean>;
  recordSkippedOverlap(trigger: RunTrigger, at: Date): void | Promise<void>;
  setHeartbeat(heartbeat: Heartbeat): void | Promise<void>;
}

export interface DaemonLogger {
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

export interface DaemonDeps {
  calendar: CronCalendar;
  /** runner.catch_up in ms; 0 disables the catch-up. */
  catchUpMs: number;
  runNight: (trigger: RunTrigger, signal: AbortSignal) => Promise<RunSummary>;
  history: ScheduleHistory;
  logger: DaemonLogger;
  clock: Clock;
  timers: Timers;
  ticker: Ticker;
  pid: number;
}

/** Timers are re-armed at least this often, so a suspended machine or a clock step is noticed. */
const MAX_TIMER_MS = 3_600_000;

export class ScheduleDaemon {
  private nextDue: Date;
  private readonly startedAt: Date;
  private night: { controller: AbortController; done: Promise<void> } | undefined;
  private timer: unknown;
  private tick: { stop(): void } | undefined;
  private stopped = false;
  private historyWarned = false;

  constructor(private readonly deps: DaemonDeps) {
    this.startedAt = deps.clock.now();
    this.nextDue = nextRunAfter(deps.calendar, this.startedAt);
  }

  /** Runs until `signal` aborts, then cancels a running night and resolves when it has ended. */
  async run(signal: AbortSignal): Promise<void> {
    const { logger, calendar } = this.deps;
    if (signal.aborted) return;
    // Start-up may have taken a while: the catch-up covers a time that passed meanwhile.
    this.nextDue = nextRunAfter(calendar, this.deps.clock.now());
    logger.info(
      `schedule: "${calendar.expression}" in ${calendar.timeZone}; next night at ${this.describe(this.nextDue)}`,
    );
    const stoppedByAbort = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await this.catchUp();
    if (!signal.aborted) {
      this.tick = this.deps.ticker.start(() => this.onTick());
      this.armTimer();
      await this.heartbeat();
      await stoppedByAbort;
    }
    await this.stop(signal.reason);
  }

  private async catchUp(): Promise<void> {
    const { calendar, catchUpMs, clock, history, logger } = this.deps;
    if (catchUpMs <= 0) return;
    const now = clock.now();
    const missed = lastRunWithin(calendar, now, catchUpMs);
    if (!missed || missed.getTime() >= now.getTime()) return;
    let ran: boolean;
    try {
      ran = await history.hasRunSince(missed);
    } catch (err) {
      logger.warn(`schedule: cannot read run history, no catch-up: ${oneLine(err)}`);
      return;
    }
    if (ran) return;
    logger.info(`schedule: the night due at ${this.describe(missed)} did not run; catching up once now`);
    this.startNight('catch-up', now);
  }

  private onTick(): void {
    this.checkDue();
    void this.heartbeat();
  }

  private armTimer(): void {
    if (this.stopped) return;
    const { timers, clock } = this.deps;
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.nextDue.getTime() - clock.now().getTime()));
    this.timer = timers.setTimeout(() => {
      this.timer = undefined;
      this.checkDue();
      this.armTimer();
    }, delay);
  }

  private checkDue(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    if (now.getTime() < this.nextDue.getTime()) return;
    const dueAt = this.nextDue;
    // Strictly after now: occurrences missed while the process was suspended collapse into this one.
    this.nextDue = nextRunAfter(this.deps.calendar, now);
    if (this.night) {
      this.deps.logger.warn(
        `schedule: the previous night is still running; the night due at ${this.describe(dueAt)} was not started`,
      );
      void this.safely(() => this.deps.history.recordSkippedOverlap('schedule', dueAt));
    } else {
      this.startNight('schedule', dueAt);
    }
    this.armTimer();
    void this.heartbeat();
  }

  private startNight(trigger: RunTrigger, dueAt: Date): void {
    const { runNight, logger } = this.deps;
    const controller = new AbortController();
    const done = (async () => {
      try {
        const summary = await runNight(trigger, controller.signal);
        logger.info(
          `schedule: night ${summary.runId} (${trigger}) ended ${summary.status}, exit code ${summary.exitCode}`,
        );
      } catch (err) {
        if (err instanceof LockHeldError) {
          // Another process (e.g. a manual `job-runner run`) holds the lock: an overlap too.
          logger.warn(
            `schedule: another run holds the lock (${oneLine(err)}); the night due at ${this.describe(dueAt)} was not started`,
          );
          await this.safely(() => this.deps.history.recordSkippedOverlap(trigger, dueAt));
        } else {
          logger.error(`schedule: the ${trigger} night could not run: ${oneLine(err)}`);
        }
      } finally {
        this.night = undefined;
        if (!this.stopped) {
          logger.info(`schedule: next night at ${this.describe(this.nextDue)}`);
          void this.heartbeat();
        }
      }
    })();
    this.night = { controller, done };
  }

  private async stop(reason: unknown): Promise<void> {
    this.stopped = true;
    this.tick?.stop();
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const night = this.night;
    if (night) {
      this.deps.logger.info('schedule: stopping; cancelling the running night');
      night.controller.abort(reason ?? 'cancelled');
      await night.done;
    }
    await this.heartbeat(null);
    this.deps.logger.info('schedule: stopped');
  }

  private heartbeat(nextRunAt: Date | null = this.nextDue): Promise<void> {
    const { pid } = this.deps;
    const at = this.deps.clock.now();
    return this.safely(() =>
      this.deps.history.setHeartbeat({ pid, startedAt: this.startedAt, nextRunAt, at }),
    );
  }

  /** History failures never stop the daemon; the first one is logged. */
  private async safely(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!this.historyWarned) this.deps.logger.warn(`schedule: cannot write run history: ${oneLine(err)}`);
      this.historyWarned = true;
    }
  }

  private describe(at: Date): string {
    const local = at.toLocaleString('sv-SE', { timeZone: this.deps.calendar.timeZone });
    return `${local} ${this.deps.calendar.timeZone} (${at.toISOString()})`;
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
