/**
 * The three snapshot jobs: read MO, build the snapshot of their mode, rename it into place (in a dry run: into
 * the scratch area, where the dry night's readers find it; see openSnapshot).
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { createMoClient, moEndpoint } from '../clients/mo.js';
import { moBase, moGraphqlVersion } from '../clients/mo-settings.js';
import { reportDryWrite, writeTarget } from '../dry-run.js';
import { buildSnapshot } from './build.js';
import { todayIn } from './dates.js';
import { snapshotPath, type SnapshotMode } from './paths.js';
import {
  exportCprSetting,
  primaryManagerResponsibilitySetting,
  resolveDarSetting,
  runnerTimezone,
} from './settings.js';

/** `objects fetched (units 12, persons 40); 900 rows/s`; no "()" before any labelled entity has a count. */
export function fetchedText(fetched: Record<string, number>, rowsPerSecond: number): string {
  const parts = Object.entries(fetched)
    .filter(([e]) => e in ENTITY_LABELS)
    .map(([e, n]) => `${ENTITY_LABELS[e]} ${n}`)
    .join(', ');
  return `objects fetched${parts ? ` (${parts})` : ''}; ${Math.round(rowsPerSecond)} rows/s`;
}

const ENTITY_LABELS: Record<string, string> = {
  org_units: 'units',
  persons: 'persons',
  engagements: 'engagements',
  addresses: 'addresses',
  itusers: 'IT users',
  managers: 'managers',
  associations: 'associations',
  leaves: 'leaves',
  kles: 'KLE',
  related_units: 'related units',
};

export async function runSnapshotJob(ctx: JobContext, mode: SnapshotMode): Promise<JobResult> {
  const { settings } = ctx;
  const real = snapshotPath(settings, ctx.paths, mode);
  const target = writeTarget(ctx, real);
  const timeZone = runnerTimezone(settings);
  const exportCpr = settings.value(exportCprSetting);
  const resolveDar = settings.value(resolveDarSetting);
  const primaryManagerResponsibility = settings.value(primaryManagerResponsibilitySetting) ?? null;
  const internal = new AbortController();
  const signal = AbortSignal.any([ctx.signal, internal.signal]);
  const client = createMoClient({ settings, env: ctx.env, logger: ctx.logger, signal });
  const started = Date.now();
  ctx.logger.info(`building the ${mode} snapshot from ${moEndpoint(settings)} into ${target}`);
  try {
    const result = await buildSnapshot(
      {
        mode,
        client,
        target,
        today: todayIn(timeZone),
        timeZone,
        exportCpr,
        resolveDar,
        primaryManagerResponsibility,
        moUrl: settings.value(moBase),
        graphqlVersion: String(settings.value(moGraphqlVersion)),
        signal,
        onProgress: (fetched, rows) => {
          const objects = Object.values(fetched).reduce((a, b) => a + b, 0);
          const secs = Math.max((Date.now() - started) / 1000, 0.001);
          ctx.progress(objects, undefined, fetchedText(fetched, rows / secs));
        },
      },
      () => internal.abort(new Error('another entity failed')),
    );
    for (const w of result.warnings) ctx.logger.warn(w);
    const rows = Object.values(result.rowCounts).reduce((a, b) => a + b, 0);
    const objects = Object.values(result.objectsFetched).reduce((a, b) => a + b, 0);
    const message =
      `${mode} snapshot: ${objects} objects, ${rows} rows in ${result.seconds.toFixed(1)} s` +
      (result.warnings.length ? `; ${result.warnings.length} dirty-data warning(s)` : '');
    if (ctx.dryRun) reportDryWrite(ctx, real, target, `${rows} rows`);
    else ctx.logger.info(`${message} → ${target}`);
    return {
      counters: { objects, rows, dirty_data_warnings: result.warnings.length },
      outputs: [target],
      warnings: result.warnings,
      message,
    };
  } finally {
    client.close();
  }
}

export const runActual = (ctx: JobContext) => runSnapshotJob(ctx, 'actual');
export const runHistoric = (ctx: JobContext) => runSnapshotJob(ctx, 'historic');
export const runHistoricSkipPast = (ctx: JobContext) => runSnapshotJob(ctx, 'historic_skip_past');
