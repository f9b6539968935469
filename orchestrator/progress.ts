/**
 * ctx.progress(done, total, what): a log line at most every `logEveryMs`, and on a TTY a live line on
 * stderr at most every 250 ms.
 */
import type { Logger } from 'winston';

export interface ProgressSink {
  report(done: number, total: number | undefined, what: string): void;
  /** Clears the live line (job ended). */
  end(): void;
}

export function progressSink(
  logger: Logger,
  job: string,
  opts: { tty: boolean; logEveryMs?: number },
): ProgressSink {
  const every = opts.logEveryMs ?? 5000;
  let lastLog = 0;
  let lastLive = 0;
  let live = false;
  const text = (done: number, total: number | undefined, what: string) =>
    total
      ? `${done}/${total} ${what} (${Math.floor((done / Math.max(total, 1)) * 100)} %)`
      : `${done} ${what}`;
  return {
    report(done, total, what) {
      const now = Date.now();
      if (now - lastLog >= every || (total !== undefined && done >= total && lastLog !== 0)) {
        lastLog = now;
        logger.info(`progress: ${text(done, total, what)}`);
      }
      if (opts.tty && now - lastLive >= 250) {
        lastLive = now;
        live = true;
        process.stderr.write(`\r\x1b[2K${job}: ${text(done, total, what)}`);
      }
    },
    end() {
      if (live) process.stderr.write('\r\x1b[2K');
      live = false;
    },
  };
}
