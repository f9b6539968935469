/**
 * imports_sd_changed_at: trigger sdlon's changed-at run, then poll its metrics until the run ends
 * (specs/imports.md §6.1 and its decisions). A state only counts when it belongs to this run: `ok` or
 * `failure` left over from the previous run is not accepted (the §6.1 race). A reading is this run's when
 * `running` has been seen since the trigger, or a start/end/last-success timestamp is not older than the trigger.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { AbortedError, formatMs, sleep } from '../clients/http.js';
import { ServiceError, callService, safeUrl } from './trigger.js';
import { parseSdMetrics, type SdMetrics } from './sd-metrics.js';
import * as s from './settings.js';

/** Consecutive failed metrics reads (other than timeouts, which a busy sdlon causes) before giving up. */
const MAX_READ_ERRORS = 5;
/** Timestamps are whole or milli-seconds; allow for rounding. */
const CLOCK_TOLERANCE_MS = 1_000;

export async function run(ctx: JobContext): Promise<JobResult> {
  const triggerUrl = ctx.settings.value(s.sdChangedAtUrl);
  const metricsUrl = ctx.settings.value(s.sdChangedAtMetricsUrl);
  const timeout = ctx.settings.value(s.sdChangedAtTimeout);
  const startTimeout = ctx.settings.value(s.sdChangedAtStartTimeout);
  const maxInterval = ctx.settings.value(s.sdChangedAtPollMaxInterval);
  const requestTimeout = ctx.settings.value(s.sdChangedAtRequestTimeout);
  const progressEvery = ctx.settings.value(s.sdChangedAtProgressInterval);
  let interval = ctx.settings.value(s.sdChangedAtPollInterval);
  if (ctx.dryRun)
    return { message: `dry run: would POST ${safeUrl(triggerUrl)} and poll ${safeUrl(metricsUrl)}` };

  const triggeredAt = Date.now();
  ctx.logger.info(`POST ${safeUrl(triggerUrl)}`);
  await callService(ctx, 'POST', triggerUrl, requestTimeout);

  let seenRunning = false;
  let readErrors = 0;
  let polls = 0;
  let last: SdMetrics | undefined;
  // a run takes up to hours and a metrics read can hang for request_timeout: a timer, not the poll loop,
  // tells the operator the job is alive
  const progress = setInterval(() => {
    const waited = Date.now() - triggeredAt;
    ctx.logger.info(
      `waiting for SD changed-at: ${last ? `state ${last.state}` : 'no metrics read yet'} after ${formatMs(waited)} (${polls} polls)`,
    );
  }, progressEvery);
  try {
    return await poll();
  } finally {
    clearInterval(progress);
  }

  async function poll(): Promise<JobResult> {
    for (;;) {
      await sleep(interval, ctx.signal);
      interval = Math.min(maxInterval, Math.round(interval * 1.5));
      const elapsed = Date.now() - triggeredAt;
      polls++;
      const reading = await readMetrics(ctx, metricsUrl, requestTimeout).catch((err: Error) => {
        if (err instanceof AbortedError) throw err;
        return err;
      });
      if (reading instanceof Error) {
        if (!(reading instanceof ServiceError && reading.timedOut)) readErrors++;
        ctx.logger.warn(
          `${reading.message}${readErrors ? ` (${readErrors} of ${MAX_READ_ERRORS})` : ' (sdlon busy?)'}`,
        );
        if (readErrors >= MAX_READ_ERRORS)
          throw new Error(
            `SD changed-at metrics unreadable ${MAX_READ_ERRORS} times in a row: ${reading.message}`,
          );
      } else {
        readErrors = 0;
        if (reading.state !== last?.state)
          ctx.logger.info(`sd_changed_at_state: ${reading.state} after ${formatMs(elapsed)}`);
        last = reading;
        if (reading.state === 'running') seenRunning = true;
        const ours = seenRunning || isAfter(reading, triggeredAt - CLOCK_TOLERANCE_MS);
        const counters = { polls, seconds: Math.round(elapsed / 1000) };
        if (ours && reading.state === 'ok') {
          const message = `SD changed-at finished ok after ${formatMs(elapsed)}`;
          ctx.logger.info(message);
          return { message, counters };
        }
        if (ours && reading.state === 'failure') {
          throw new Error(
            `SD changed-at run failed (sd_changed_at_state = failure after ${formatMs(elapsed)})`,
          );
        }
        if (!ours && elapsed >= startTimeout) {
          throw new Error(
            `SD changed-at did not start: ${formatMs(elapsed)} after the trigger the metrics still show the previous run's state "${reading.state}" (imports.sd_changed_at.start_timeout)`,
          );
        }
      }
      if (elapsed >= timeout) {
        const state = last ? `last state "${last.state}"` : 'metrics never answered';
        throw new Error(
          `SD changed-at did not finish within ${formatMs(timeout)} (${state}; imports.sd_changed_at.timeout)`,
        );
      }
    }
  }
}

function isAfter(m: SdMetrics, since: number): boolean {
  return [m.startTime, m.endTime, m.lastSuccess].some((t) => t !== undefined && t >= since);
}

async function readMetrics(ctx: JobContext, url: string, timeoutMs: number): Promise<SdMetrics> {
  const res = await callService(ctx, 'GET', url, timeoutMs);
  try {
    return parseSdMetrics(res.body);
  } catch (err) {
    throw new ServiceError(`GET ${safeUrl(url)}: ${(err as Error).message}`, false);
  }
}
