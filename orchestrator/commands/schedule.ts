/**
 * `job-runner schedule`: the long-running daemon that runs the nightly plan on `runner.schedule`
 * in `runner.timezone` (docs/operations.md). The loop itself is orchestrator/scheduler/daemon.ts.
 */
import winston from 'winston';
import type { Logger } from 'winston';
import type { Settings } from '../settings-store.js';
import type { RunSummary, RunTrigger } from '../events.js';
import { openHistory } from '../history.js';
import { scheduleSpec, timezoneSpec } from '../runner-settings.js';
import { historyPath, stateDirOf } from '../state-paths.js';
import { cronCalendar } from '../scheduler/cron-calendar.js';
import {
  type Clock,
  type ScheduleHistory,
  ScheduleDaemon,
  type Ticker,
  type Timers,
} from '../scheduler/daemon.js';
import { scheduleHistory } from '../scheduler/history-adapter.js';
import { nodeCronTicker } from '../scheduler/node-cron-ticker.js';
import { catchUpSpec } from '../scheduler/settings.js';
import { isoWithOffset } from '../zoned-time.js';
import { timeZoneOf } from '../status-table.js';

export interface ScheduleOptions {
  settings: Settings;
  /** Runs the nightly plan once (the same function `job-runner run` uses) and resolves with its summary. */
  runNight: (trigger: RunTrigger, signal: AbortSignal) => Promise<RunSummary>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Daemon log lines (default: console). */
  logger?: Logger;
  /** Default: the run history in `runner.state_dir`. */
  history?: ScheduleHistory;
  /** Injected in tests. */
  clock?: Clock;
  timers?: Timers;
  ticker?: Ticker;
}

const realClock: Clock = { now: () => new Date() };
const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Daemon lines to the journal, stamped in runner.timezone with its offset like every other log line. */
function consoleLogger(timeZone: string): Logger {
  return winston.createLogger({
    level: 'info',
    format: winston.format.combine(
      winston.format.timestamp({ format: () => isoWithOffset(new Date(), timeZone) }),
      winston.format.printf((i) => `${String(i.timestamp)} ${i.level} ${String(i.message)}`),
    ),
    transports: [new winston.transports.Console()],
  });
}

/** Resolves with the process exit code: 0 after a clean stop, 2 on a settings error. */
export async function scheduleAction(opts: ScheduleOptions): Promise<number> {
  const logger = opts.logger ?? consoleLogger(timeZoneOf(opts.settings));
  let daemon: ScheduleDaemon;
  let close = (): void => undefined;
  try {
    const expression = opts.settings.value(scheduleSpec);
    const timeZone = opts.settings.value(timezoneSpec);
    const calendar = (() => {
      try {
        return cronCalendar(expression, timeZone);
      } catch (err) {
        throw new Error(`runner.schedule: ${(err as Error).message}`);
      }
    })();
    let history = opts.history;
    if (!history) {
      const store = openHistory(historyPath(stateDirOf(opts.settings)));
      close = () => store.close();
      history = scheduleHistory(store);
    }
    daemon = new ScheduleDaemon({
      calendar,
      catchUpMs: opts.settings.value(catchUpSpec),
      runNight: opts.runNight,
      history,
      logger,
      clock: opts.clock ?? realClock,
      timers: opts.timers ?? realTimers,
      ticker: opts.ticker ?? nodeCronTicker(timeZone),
      pid: process.pid,
    });
  } catch (err) {
    close();
    process.stderr.write(`job-runner schedule: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  try {
    await daemon.run(opts.signal);
  } finally {
    close();
  }
  return 0;
}
