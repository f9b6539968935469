/** Settings of the Prometheus pushgateway observer. */
import { z } from 'zod';
import { setting, urlSchema, type SettingSpec } from '../setting-spec.js';

export const promApiSpec = setting<string>({
  key: 'crontab.CRON_LOG_PROM_API',
  schema: urlSchema,
  type: 'URL',
  description:
    "Prometheus Pushgateway base URL including `/metrics/job`, e.g. `http://localhost:9091/metrics/job` (DIPEX's key). " +
    'When set, every job pushes `mo_start_time`, `mo_end_time` and `mo_return_code` under `job=<job name>`, ' +
    'and the run pushes the same plus `mo_failed_jobs` and `mo_skipped_jobs` under `job=job-runner`. ' +
    'Credentials in the URL (`http://user:pass@host`) are sent as basic auth.',
});

export const metricsGroupingSpec = setting<Record<string, string>>({
  key: 'runner.metrics.grouping',
  schema: z.record(
    z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are letters, digits and _')
      .refine((k) => k !== 'job', 'job is the grouping key the runner sets'),
    z.string().min(1),
  ),
  type: 'object (label → value)',
  default: {},
  description:
    'Extra Prometheus grouping labels after `job=<name>` in every push, e.g. `{"municipality": "andeby"}` → `{base}/{job}/municipality/andeby`, so municipalities sharing one pushgateway do not overwrite each other.',
});

export const metricsSettings: SettingSpec[] = [promApiSpec, metricsGroupingSpec] as SettingSpec[];
