/** Settings of the HTTP-trigger import jobs (specs/imports.md), with DIPEX's URLs as defaults. */
import { durationSchema, setting, urlSchema } from '../../orchestrator/setting-spec.js';

const url = (key: string, dflt: string, description: string) =>
  setting<string>({ key, schema: urlSchema, type: 'URL', default: dflt, description });
const duration = (key: string, dflt: number, description: string) =>
  setting<number>({ key, schema: durationSchema, type: 'duration', default: dflt, description });

const MIN = 60_000;

export const sdtoolPlusUrl = url(
  'imports.sdtool_plus.url',
  'http://localhost:8040/trigger',
  'SDTool+ trigger (POST; synchronous)',
);
export const sdtoolPlusTimeout = duration(
  'imports.sdtool_plus.timeout',
  30 * MIN,
  'How long SDTool+ may take to answer',
);

export const managerSyncUrl = url(
  'imports.manager_sync.url',
  'http://localhost:8020/trigger/all',
  'Manager sync trigger (POST; synchronous, answers 202)',
);
export const managerSyncTimeout = duration(
  'imports.manager_sync.timeout',
  30 * MIN,
  'How long the manager sync may take to answer',
);

export const sdChangedAtUrl = url(
  'imports.sd_changed_at.url',
  'http://localhost:8030/trigger',
  'SD changed-at trigger (POST; starts the run)',
);
export const sdChangedAtMetricsUrl = url(
  'imports.sd_changed_at.metrics_url',
  'http://localhost:8030/metrics',
  'SD changed-at Prometheus metrics, polled for sd_changed_at_state',
);
export const sdChangedAtTimeout = duration(
  'imports.sd_changed_at.timeout',
  120 * MIN,
  'How long to wait for the SD changed-at run to end, counted from the trigger',
);
export const sdChangedAtStartTimeout = duration(
  'imports.sd_changed_at.start_timeout',
  10 * MIN,
  'Fail when the metrics still show only the previous run (never running, no newer timestamps) this long after the trigger',
);
export const sdChangedAtPollInterval = duration(
  'imports.sd_changed_at.poll_interval',
  2_000,
  'First interval between metrics polls; grows by half each poll up to poll_max_interval',
);
export const sdChangedAtPollMaxInterval = duration(
  'imports.sd_changed_at.poll_max_interval',
  30_000,
  'Longest interval between metrics polls',
);
export const sdChangedAtProgressInterval = duration(
  'imports.sd_changed_at.progress_interval',
  30_000,
  'While waiting for the SD changed-at run, log its state and the time waited this often',
);
export const sdChangedAtRequestTimeout = duration(
  'imports.sd_changed_at.request_timeout',
  MIN,
  'Timeout of the trigger request and of each metrics request (a metrics timeout is tolerated: sdlon can be busy)',
);

export const sdtoolPlusSettings = [sdtoolPlusUrl, sdtoolPlusTimeout];
export const managerSyncSettings = [managerSyncUrl, managerSyncTimeout];
export const sdChangedAtSettings = [
  sdChangedAtUrl,
  sdChangedAtMetricsUrl,
  sdChangedAtTimeout,
  sdChangedAtStartTimeout,
  sdChangedAtPollInterval,
  sdChangedAtPollMaxInterval,
  sdChangedAtProgressInterval,
  sdChangedAtRequestTimeout,
];
