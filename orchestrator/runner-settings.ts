/**
 * The runner's own settings keys (DESIGN §6). Jobs declare theirs in their definitions;
 * docs/settings.md is generated from both.
 */
import { z } from 'zod';
import type { JobDefinition } from './job.js';
import type { Settings } from './settings-store.js';
import { boolSchema, durationSchema, positiveIntSchema, setting, type SettingSpec } from './setting-spec.js';
import { cronSyntaxError } from './scheduler/cron-syntax.js';

export const stateDirSpec = setting<string>({
  key: 'runner.state_dir',
  schema: z.string().min(1),
  type: 'path',
  default: './var',
  description:
    'History, logs, lock and caches. A relative path is relative to the working directory (like `./settings.json`). Must be owned by the runner or root, not group/other-writable, and not below a group/other-writable directory without the sticky bit (docs/operations.md §6).',
});

export const concurrencySpec = setting<number>({
  key: 'runner.concurrency',
  schema: positiveIntSchema,
  type: 'integer',
  default: 8,
  description: 'How many jobs run at once.',
});

export const jobTimeoutSpec = setting<number>({
  key: 'runner.job_timeout',
  schema: durationSchema,
  type: 'duration',
  default: 4 * 3600 * 1000,
  description: 'Default per-job timeout (`4h`, `30m`, `90s`, or seconds). Per job: `runner.timeout.<job>`.',
});

/** `runner.timeout.<job>`: one per job, so not in the static list; documented by `timeoutDocSpec`. */
export function jobTimeoutKey(job: string): string {
  return `runner.timeout.${job}`;
}

/** A job's timeout: `runner.timeout.<job>`, else the definition's default, else `runner.job_timeout`. */
export function jobTimeoutMs(
  settings: Settings,
  def: Pick<JobDefinition, 'name' | 'defaultTimeoutMs'>,
): number {
  const key = jobTimeoutKey(def.name);
  if (settings.has(key)) return settings.value({ ...timeoutDocSpec, key });
  return def.defaultTimeoutMs ?? settings.value(jobTimeoutSpec);
}

export const timeoutDocSpec = setting<number>({
  key: 'runner.timeout.<job>',
  schema: durationSchema,
  type: 'duration',
  description:
    'Timeout of one job, overriding `runner.job_timeout`. A job that runs longer is aborted and marked `timed_out`.',
});

export const scheduleSpec = setting<string>({
  key: 'runner.schedule',
  schema: z
    .string()
    .min(1)
    .superRefine((expr, ctx) => {
      const error = cronSyntaxError(expr);
      if (error) ctx.addIssue({ code: z.ZodIssueCode.custom, message: error });
    }),
  type: 'cron expression',
  default: '0 2 * * *',
  description:
    'When `job-runner schedule` runs the nightly plan (node-cron syntax; `check` and `run` refuse an invalid one).',
});

export const timezoneSpec = setting<string>({
  key: 'runner.timezone',
  schema: z.string().refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'unknown time zone' },
  ),
  type: 'string',
  default: 'Europe/Copenhagen',
  description:
    'Time zone of the schedule, of dates in MO queries and of every time shown or logged (with its offset).',
});

export const strictStagesSpec = setting<boolean>({
  key: 'runner.strict_stages',
  schema: boolSchema,
  type: 'boolean',
  default: false,
  description: "DIPEX's stage barriers: every export and report waits for every prepare job.",
});

export const keepDaysSpec = setting<number>({
  key: 'runner.keep_days',
  schema: positiveIntSchema,
  type: 'integer',
  default: 60,
  description: 'Runs and their log directories older than this many days are deleted at the start of a run.',
});

export const killGraceSpec = setting<number>({
  key: 'runner.kill_grace',
  schema: durationSchema,
  type: 'duration',
  default: 5000,
  description:
    "On timeout or cancel: how long a command job's process group has after SIGTERM, and a built-in job's process after its abort signal, before SIGKILL.",
});

export const jobMemorySpec = setting<number>({
  key: 'runner.job_memory_mb',
  schema: positiveIntSchema.pipe(z.number().min(64).max(65536)),
  type: 'integer (MB, 64–65536)',
  default: 2048,
  description:
    "Heap limit of each built-in job's own process (`--max-old-space-size`). A job that needs more fails naming this key; the night goes on.",
});

/** One operator command job (`runner.jobs.<name>`). */
export const commandJobEntrySchema = z
  .object({
    stage: z.enum(['pre', 'import', 'prepare', 'export', 'report', 'post']),
    command: z.string().min(1, 'must be a non-empty shell command'),
    needs: z.array(z.string().min(1)).optional(),
    timeout: durationSchema.optional(),
    enabled: boolSchema.optional(),
    env: z.record(z.string()).optional(),
    description: z.string().optional(),
  })
  .strict();

export type CommandJobEntry = z.infer<typeof commandJobEntrySchema>;

export const commandJobsSpec = setting<Record<string, unknown>>({
  key: 'runner.jobs',
  schema: z.record(z.unknown()),
  type: 'object',
  default: {},
  description:
    'Operator-defined command jobs: `{"name": {"stage", "command", "needs", "timeout", "enabled", "env", "description"}}`. ' +
    'Run with `/bin/sh -c` in the repository root; exit code 0 is success. `enabled` defaults to true.',
});

/** Every runner key with a static name, in documentation order. */
export const runnerSettings: SettingSpec[] = [
  stateDirSpec,
  concurrencySpec,
  jobTimeoutSpec,
  timeoutDocSpec,
  scheduleSpec,
  timezoneSpec,
  strictStagesSpec,
  keepDaysSpec,
  killGraceSpec,
  jobMemorySpec,
  commandJobsSpec,
] as SettingSpec[];

/** Keys whose values are always redacted even when no job declares them secret. */
export const alwaysSecretKeyPattern = /(secret|passw|api_?key|token|credential)/i;
