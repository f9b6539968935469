/** In-process fake job definitions for engine tests (like lage's FailOnPackageRunner). */
import type { JobContext, JobDefinition, JobResult, Stage } from '../../orchestrator/job.js';
import { Settings } from '../../orchestrator/settings-store.js';

export function settingsOf(raw: Record<string, unknown>): Settings {
  return new Settings(raw, 'test');
}

export interface FakeOpts {
  needs?: string[];
  informational?: boolean;
  toggle?: string;
  run?: (ctx: JobContext) => Promise<JobResult | void>;
  settings?: JobDefinition['settings'];
  timeoutMs?: number;
}

/** A job enabled by `crontab.RUN_<NAME>` unless `toggle` says otherwise. */
export function fakeJob(name: string, stage: Stage, opts: FakeOpts = {}): JobDefinition {
  return {
    name,
    stage,
    toggle: [opts.toggle ?? `crontab.RUN_${name.toUpperCase()}`],
    description: `fake ${name}`,
    ...(opts.needs ? { needs: () => opts.needs! } : {}),
    ...(opts.informational ? { informational: true } : {}),
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(opts.timeoutMs ? { defaultTimeoutMs: opts.timeoutMs } : {}),
    load: async () => ({
      run: async (ctx: JobContext) => (opts.run ? ((await opts.run(ctx)) ?? {}) : {}),
    }),
  };
}

/** Settings turning on every given job's toggle. */
export function enableAll(jobs: JobDefinition[], extra: Record<string, unknown> = {}): Settings {
  const raw: Record<string, unknown> = {};
  for (const j of jobs) raw[j.toggle[0]!] = true;
  return settingsOf({ ...raw, ...extra });
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    });
  });

/** A built-in-style job that runs isolated in its own process: `exportName` of test/orchestrator/isolated-jobs.ts. */
export function isolatedJob(
  name: string,
  stage: Stage,
  exportName: string,
  opts: Omit<FakeOpts, 'run'> = {},
): JobDefinition {
  return {
    ...fakeJob(name, stage, opts),
    isolated: { module: new URL('./isolated-jobs.js', import.meta.url).href, export: exportName },
  };
}
