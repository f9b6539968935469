/**
 * Prometheus pushgateway observer (DIPEX's metrics, runner.md §1.7):
 * - job start: POST `{base}/{job}/` (DIPEX's trailing slash) with `mo_start_time`;
 * - job end: POST `{base}/{job}` with `mo_end_time` and `mo_return_code`;
 * - the run as a whole under `job=job-runner`: the same, plus `mo_failed_jobs` and `mo_skipped_jobs`.
 * Pushes are fired without blocking the job and awaited (each bounded by its timeout) at run end.
 * A failed push never fails anything: the first failure in a run is one warning line.
 */
import type { JobRecord, RunObserver, RunStart, RunSummary } from '../events.js';
import type { JobStatus } from '../job.js';
import { endGauges, expositionBody, startGauges, type Gauge } from './exposition.js';

export const RUN_GROUP = 'job-runner';

export interface PushgatewayOptions {
  /** `crontab.CRON_LOG_PROM_API`, e.g. `http://localhost:9091/metrics/job`. */
  baseUrl: string;
  logger: { warn(message: string): unknown; debug(message: string): unknown };
  /** Per push; default 2 s as DIPEX's `curl -m 2`. */
  timeoutMs?: number;
  /** Extra grouping labels after `job=<name>` (`runner.metrics.grouping`). */
  grouping?: Record<string, string>;
  now?: () => Date;
}

const FAILED: readonly JobStatus[] = ['failed', 'timed_out'];
const NOT_PUSHED: readonly JobStatus[] = ['disabled', 'pending', 'running'];
const statusCodes: Partial<Record<JobStatus, number>> = {
  succeeded: 0,
  failed: 1,
  timed_out: 124,
  skipped: 2,
  cancelled: 130,
};

interface Target {
  url: string;
  headers: Record<string, string>;
  /** The base URL without credentials, for messages. */
  shown: string;
}

function target(baseUrl: string): Target {
  const url = new URL(baseUrl.replace(/\/+$/, ''));
  const headers: Record<string, string> = { 'content-type': 'text/plain; version=0.0.4' };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const plain = url.toString().replace(/\/+$/, '');
  return { url: plain, headers, shown: plain };
}

export class PushgatewayObserver implements RunObserver {
  private readonly target: Target;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  /** `/label/value…` of the grouping labels; empty without any. */
  private readonly suffix: string;
  private inFlight = new Set<Promise<void>>();
  private failures = 0;
  private pushes = 0;

  constructor(private readonly opts: PushgatewayOptions) {
    this.target = target(opts.baseUrl);
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.now = opts.now ?? (() => new Date());
    this.suffix = Object.entries(opts.grouping ?? {})
      .map(([k, v]) => `/${encodeURIComponent(k)}/${encodeURIComponent(v)}`)
      .join('');
  }

  /** The path of a group: DIPEX's trailing slash on start pushes is kept only without grouping labels. */
  private group(job: string, start: boolean): string {
    return `${encodeURIComponent(job)}${this.suffix}${start && !this.suffix ? '/' : ''}`;
  }

  onRunStart(run: RunStart): void {
    this.failures = 0;
    this.pushes = 0;
    this.fire(this.group(RUN_GROUP, true), startGauges(run.startedAt));
  }

  onJobStart(_runId: string, job: JobRecord): void {
    this.fire(this.group(job.name, true), startGauges(job.startedAt ?? this.now()));
  }

  onJobEnd(_runId: string, job: JobRecord): void {
    if (NOT_PUSHED.includes(job.status)) return;
    const code = job.returnCode ?? statusCodes[job.status] ?? 1;
    this.fire(this.group(job.name, false), endGauges(job.finishedAt ?? this.now(), code));
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    const failed = summary.jobs.filter((j) => FAILED.includes(j.status)).length;
    const skipped = summary.jobs.filter((j) => j.status === 'skipped').length;
    this.fire(this.group(RUN_GROUP, false), [
      ...endGauges(summary.finishedAt, summary.exitCode),
      { name: 'mo_failed_jobs', help: 'Number of jobs that failed or timed out in the run', value: failed },
      {
        name: 'mo_skipped_jobs',
        help: 'Number of jobs skipped because a prerequisite did not succeed',
        value: skipped,
      },
    ]);
    await this.flush();
    if (this.failures > 1) {
      this.opts.logger.debug(
        `prometheus: ${this.failures} of ${this.pushes} pushes to ${this.target.shown} failed`,
      );
    }
  }

  /** Waits for every push in flight (each ends within its timeout). */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private fire(path: string, gauges: Gauge[]): void {
    const p = this.push(path, gauges).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async push(path: string, gauges: Gauge[]): Promise<void> {
    this.pushes++;
    const url = `${this.target.url}/${path}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: this.target.headers,
        body: expositionBody(gauges),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.failures++;
      if (this.failures === 1) {
        this.opts.logger.warn(
          `prometheus: push to ${this.target.shown}/${path} failed (${reason(err, this.timeoutMs)}); ` +
            'further push failures in this run are not logged',
        );
      }
    }
  }
}

function reason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return (cause?.code ?? cause?.message ?? err.message).split('\n')[0]!;
  }
  return String(err);
}
