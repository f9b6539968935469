/** The `listen.*` keys of `job-runner listen` (specs/events.md Decisions 6, 7, 9). Specs only: cheap to import. */
import { z } from 'zod';
import {
  durationSchema,
  intSchema,
  positiveIntSchema,
  setting,
  type SettingSpec,
} from '../../../orchestrator/setting-spec.js';

export const L = {
  idlePoll: setting({
    key: 'listen.idle_poll',
    schema: durationSchema,
    type: 'duration',
    default: 1_000,
    description: 'How long a fetcher sleeps when MO has no event for its listener (only then)',
  }),
  parallelism: setting({
    key: 'listen.parallelism',
    schema: positiveIntSchema.pipe(z.number().max(16)),
    type: 'integer',
    default: 1,
    description: 'Fetchers per listener (1–16); raise it when bursts (nightly imports) must drain faster',
  }),
  userKeyPrefix: setting({
    key: 'listen.user_key_prefix',
    schema: z.string().min(1).max(200),
    type: 'string',
    default: 'os2mo-job-runner.',
    description:
      "Listener user_key = prefix + routing key, in MO's namespace `mo` (owned by the client's uuid)",
  }),
  retryBackoff: setting({
    key: 'listen.retry_backoff',
    schema: durationSchema.pipe(z.number().min(100)),
    type: 'duration',
    default: 30_000,
    description: 'First wait before a target whose send failed is retried; doubles per failure',
  }),
  retryBackoffMax: setting({
    key: 'listen.retry_backoff_max',
    schema: durationSchema.pipe(z.number().min(100)),
    type: 'duration',
    default: 900_000,
    description: 'Longest wait between retries of a failed target',
  }),
  batchSize: setting({
    key: 'listen.batch_size',
    schema: positiveIntSchema.pipe(z.number().max(10_000)),
    type: 'integer',
    default: 500,
    description: 'Targets re-synced per MO read (queued targets coalesce; a class change is queued in pages)',
  }),
  batchWait: setting({
    key: 'listen.batch_wait',
    schema: durationSchema.pipe(z.number().min(0).max(600_000)),
    type: 'duration',
    default: 10_000,
    description:
      'During a burst (MO still has events), longest wait for more targets before re-syncing fewer than listen.batch_size (each re-sync reads MO in full); 0 = never wait',
  }),
  metricsPort: setting({
    key: 'listen.metrics_port',
    schema: intSchema.pipe(z.number().int().min(0).max(65535)),
    type: 'integer',
    default: 9465,
    description: 'Port of the Prometheus /metrics endpoint of `job-runner listen` (0 = off)',
  }),
  metricsHost: setting({
    key: 'listen.metrics_host',
    schema: z.string().min(1),
    type: 'string',
    default: '127.0.0.1',
    description: 'Address the /metrics endpoint binds to (loopback by default)',
  }),
};

export const listenSettings: SettingSpec[] = Object.values(L) as SettingSpec[];
