/**
 * ctx.progress(done, total, what): a log line at most every `logEveryMs`, and on a TTY the job's live line
 * (terminal/live-lines.ts) at most every 250 ms. Jobs running in workers or child processes forward their
 * progress to the main process, which calls the same sink.
 */
import type { Logger } from 'winston';
import type { LiveLines } from './terminal/live-lines.js';
import type { Colours } from './terminal/colour.js';

export interface ProgressSink {
  report(done: number, total: number | undefined, what: string): void;
  /** Removes the live line (job ended). */
  end(): void;
}

export function progressText(done: number, total: number | undefined, what: string): string {
  return total
    ? `${done}/${total} ${what} (${Math.floor((done / Math.max(total, 1)) * 100)} %)`
    : `${done} ${what}`;
}

export function progressSink(
  logger: Logger,
  job: string,
  opts: { live?: LiveLines; colours?: Colours; logEveryMs?: number },
): ProgressSink {
  const every = opts.logEveryMs ?? 5000;
  let lastLog = 0;
  let lastLive = 0;
  const prefix = `${job}: `;
  const style = (line: string) =>
    opts.colours ? opts.colours.cyan(line.slice(0, prefix.length)) + line.slice(prefix.length) : line;
  return {
    report(done, total, what) {
      const now = Date.now();
      if (now - lastLog >= every || (total !== undefined && done >= total && lastLog !== 0)) {
        lastLog = now;
        logger.info(`progress: ${progressText(done, total, what)}`);
      }
      if (opts.live && now - lastLive >= 250) {
        lastLive = now;
        opts.live.set(job, prefix + progressText(done, total, what), style);
      }
    },
    end() {
      opts.live?.delete(job);
    },
  };
}
