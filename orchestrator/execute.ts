/**
 * Runs a plan with p-graph (always `continue: true`). Each node's function never throws: it records the
 * job's status itself (p-graph would silently drop dependents of a failed node). A job whose prerequisite
 * did not succeed is skipped naming it; a timed-out or cancelled job gets its AbortSignal and the run
 * moves on even if the job ignores it. Jobs whose definition names an `isolated` module run in their own
 * process (isolation/isolated-job.ts), which is killed after the grace period.
 */
import { PGraph } from 'p-graph';
import type { Logger } from 'winston';
import type { JobContext, JobDefinition, JobResult, JobStatus } from './job.js';
import type { JobRecord } from './events.js';
import type { Plan, PlanNode } from './plan.js';
import type { Problem } from './errors.js';
import { runIsolated, type IsolationOptions } from './isolation/isolated-job.js';
import { jobMemorySpec, killGraceSpec } from './runner-settings.js';

export interface ExecuteOptions {
  plan: Plan;
  concurrency: number;
  /** Timeout of a job in ms. */
  timeoutFor(def: JobDefinition): number;
  /** Aborted on SIGINT/SIGTERM: running jobs are aborted, jobs not started are `cancelled`. */
  signal?: AbortSignal;
  /** Builds the context for a job (logger, paths, progress …) around the job's own signal. */
  makeContext(node: PlanNode, signal: AbortSignal): JobContext;
  /** Run-level logger (lifecycle lines are tagged with the job). */
  logger: Logger;
  /** Settings problems of a job: non-empty = the job fails at once naming the key. */
  problemsOf?(def: JobDefinition): Problem[] | Promise<Problem[]>;
  /** Scheduling weight of a job (e.g. its last duration in seconds); p-graph favours the longest weighted chain. */
  priorityOf?(name: string): number;
  /** Log path of a job in this run. */
  logPathOf?(name: string): string | undefined;
  onJobStart?(job: JobRecord): void | Promise<void>;
  onJobEnd?(job: JobRecord): void | Promise<void>;
  /** How long to wait for aborted jobs to actually end (e.g. process groups to die) before returning. */
  settleMs?: number;
  /** Heap limit and kill grace of jobs that run in their own process (definitions with `isolated`). */
  isolation?: IsolationOptions;
}

export const returnCodes: Record<JobStatus, number> = {
  pending: 2,
  running: 1,
  succeeded: 0,
  failed: 1,
  timed_out: 124,
  skipped: 2,
  cancelled: 130,
  disabled: 0,
};

const MAX_TIMER = 2 ** 31 - 1;
const defaultIsolation: IsolationOptions = {
  memoryMb: jobMemorySpec.default!,
  killGraceMs: killGraceSpec.default!,
};

/** First line of an error's message (no stacks in status). */
export function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  return (
    (msg ?? 'unknown error').split('\n')[0]!.slice(0, 500) || (err instanceof Error ? err.name : 'error')
  );
}

function summarise(result: JobResult | undefined): string | undefined {
  if (!result) return undefined;
  const parts: string[] = [];
  if (result.message) parts.push(result.message);
  if (result.counters && Object.keys(result.counters).length) {
    parts.push(
      Object.entries(result.counters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
  }
  if (result.warnings?.length) parts.push(`warnings: ${result.warnings.join('; ')}`);
  return parts.join('; ') || undefined;
}

function fmtDuration(ms: number): string {
  return ms < 1000
    ? `${ms} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
}

async function safe(
  fn: (() => void | Promise<void>) | undefined,
  logger: Logger,
  what: string,
): Promise<void> {
  if (!fn) return;
  try {
    await fn();
  } catch (err) {
    logger.warn(`observer failed on ${what}: ${errorLine(err)}`);
  }
}

/** Executes the plan; resolves with one record per planned job, in plan order. */
export async function executePlan(opts: ExecuteOptions): Promise<JobRecord[]> {
  const { plan, logger } = opts;
  const records = new Map<string, JobRecord>();
  for (const n of plan.nodes) {
    records.set(n.name, {
      name: n.name,
      stage: n.stage,
      status: 'pending',
      logPath: opts.logPathOf?.(n.name),
      ...(n.def.informational ? { informational: true } : {}),
    });
  }
  const running = new Map<string, AbortController>();
  const settling = new Set<Promise<unknown>>();
  const onCancel = () => {
    for (const c of running.values()) c.abort('cancelled');
  };
  opts.signal?.addEventListener('abort', onCancel, { once: true });

  const finish = async (rec: JobRecord, status: JobStatus, message?: string) => {
    rec.status = status;
    rec.returnCode = returnCodes[status];
    if (message !== undefined) rec.message = message;
    if (rec.startedAt) {
      rec.finishedAt = new Date();
      rec.durationMs = rec.finishedAt.getTime() - rec.startedAt.getTime();
    }
    const log = opts.logger.child({ job: rec.name });
    const text = `${status}${rec.durationMs !== undefined ? ` in ${fmtDuration(rec.durationMs)}` : ''}${message ? `: ${message}` : ''}`;
    if (status === 'succeeded') log.info(text);
    else if (status === 'skipped' || status === 'cancelled') log.warn(text);
    else log.error(text);
    await safe(() => opts.onJobEnd?.({ ...rec }), logger, `end of ${rec.name}`);
  };

  const runNode = async (node: PlanNode): Promise<void> => {
    const rec = records.get(node.name)!;
    if (opts.signal?.aborted) return finish(rec, 'cancelled', 'run cancelled before the job started');
    const blocker = node.needs.find((n) => records.get(n)!.status !== 'succeeded');
    if (blocker) {
      const st = records.get(blocker)!.status;
      return finish(
        rec,
        'skipped',
        `prerequisite ${blocker} ${st === 'pending' ? 'did not run' : st.replace('_', ' ')}`,
      );
    }
    const problems = (await opts.problemsOf?.(node.def)) ?? [];
    if (problems.length) {
      rec.startedAt = new Date();
      return finish(rec, 'failed', `settings: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
    }

    const controller = new AbortController();
    running.set(node.name, controller);
    const timeoutMs = Math.max(1, opts.timeoutFor(node.def));
    const timer = setTimeout(() => controller.abort('timeout'), Math.min(timeoutMs, MAX_TIMER));
    rec.status = 'running';
    rec.startedAt = new Date();
    opts.logger.child({ job: node.name }).info('started');
    await safe(() => opts.onJobStart?.({ ...rec }), logger, `start of ${node.name}`);

    const aborted = new Promise<'aborted'>((resolve) => {
      if (controller.signal.aborted) resolve('aborted');
      controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const work = (async () => {
      const ctx = opts.makeContext(node, controller.signal);
      if (node.def.isolated) {
        return runIsolated(node.def.isolated, ctx, opts.isolation ?? defaultIsolation, (usage) => {
          if (usage.peakRssMb === undefined) return;
          rec.peakRssMb = usage.peakRssMb;
          rec.cpuMs = usage.cpuMs;
          opts.logger
            .child({ job: node.name })
            .debug(
              `peak RSS of the job's process: ${usage.peakRssMb} MB, CPU ${((usage.cpuMs ?? 0) / 1000).toFixed(1)} s`,
            );
        });
      }
      const impl = await node.def.load();
      return impl.run(ctx);
    })();
    settling.add(work);
    work.then(
      () => settling.delete(work),
      () => settling.delete(work),
    );
    try {
      const outcome = await Promise.race([work, aborted]);
      if (outcome === 'aborted') throw controller.signal.reason;
      const result = outcome as JobResult | undefined;
      if (result?.counters) rec.counters = result.counters;
      await finish(rec, result?.failed ? 'failed' : 'succeeded', summarise(result));
    } catch (err) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason;
        if (reason === 'timeout') await finish(rec, 'timed_out', `timed out after ${fmtDuration(timeoutMs)}`);
        else await finish(rec, 'cancelled', 'cancelled (SIGINT/SIGTERM)');
      } else {
        await finish(rec, 'failed', errorLine(err));
      }
    } finally {
      clearTimeout(timer);
      running.delete(node.name);
    }
  };

  const nodes = new Map(
    plan.nodes.map((n) => [n.name, { run: () => runNode(n), priority: opts.priorityOf?.(n.name) ?? 1 }]),
  );
  const edges: [string, string][] = plan.nodes.flatMap((n) =>
    [...new Set([...n.needs, ...n.after])].map((p) => [p, n.name] as [string, string]),
  );
  try {
    await new PGraph(nodes, edges).run({ concurrency: Math.max(1, opts.concurrency), continue: true });
  } catch (err) {
    logger.error(`engine error: ${errorLine(err)}`);
  } finally {
    opts.signal?.removeEventListener('abort', onCancel);
  }
  for (const rec of records.values()) {
    if (rec.status === 'pending' || rec.status === 'running') await finish(rec, 'skipped', 'not reached');
  }
  // aborted jobs (timed out or cancelled) still running: give them the kill grace period to end
  if (settling.size) {
    const grace = new Promise((r) => setTimeout(r, opts.settleMs ?? 6000).unref());
    await Promise.race([Promise.allSettled([...settling]), grace]);
  }
  return plan.nodes.map((n) => records.get(n.name)!);
}
