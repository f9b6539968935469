/** Chooses the read mode (MO GraphQL or the snapshot) and returns the normalized model. */
import type { JobContext } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { connectMo } from '../clients/connect-mo.js';
import type { MoClient } from '../clients/mo.js';
import { openSnapshot, snapshotBuiltThisRun, snapshotHasCpr } from '../lora-cache/read.js';
import { assembleModel } from './assemble.js';
import type { MoModel } from './model.js';
import { readFromMo } from './read-mo.js';
import { readFromSnapshot } from './read-snapshot.js';
import type { Os2syncConfig } from './config.js';

export interface ReadResult {
  model: MoModel;
  /** GraphQL requests sent to MO (0 when everything came from the snapshot). */
  moRequests: number;
  source: string;
}

function moClient(ctx: JobContext, cfg: Os2syncConfig): Promise<MoClient> {
  const settings = cfg.caVerifyMo ? ctx.settings : ctx.settings.with({ 'mora.ca_verify': false });
  return connectMo({ settings, env: ctx.env, logger: ctx.logger, signal: ctx.signal });
}

/**
 * `use_lc_db`: true → the snapshot; false → MO; auto → the snapshot when it was built earlier in this run (and
 * holds CPR numbers when `xfer_cpr` needs them), MO otherwise.
 */
function readsSnapshot(ctx: JobContext, cfg: Os2syncConfig): boolean {
  if (cfg.useLcDb !== 'auto') return cfg.useLcDb;
  if (!snapshotBuiltThisRun(ctx)) return false;
  if (cfg.xferCpr && !snapshotHasCpr(ctx)) {
    ctx.logger.info('use_lc_db auto: the snapshot holds no CPR numbers and xfer_cpr is on; reading MO');
    return false;
  }
  return true;
}

export async function readModel(ctx: JobContext, cfg: Os2syncConfig, today: string): Promise<ReadResult> {
  const needs = { managers: cfg.syncManagers, kles: cfg.enableKle };
  if (!readsSnapshot(ctx, cfg)) {
    const client = await moClient(ctx, cfg);
    try {
      const raw = await readFromMo(client, today, needs);
      return { model: assembleModel(raw), moRequests: client.requestCount, source: 'MO' };
    } finally {
      client.close();
    }
  }
  const snapshot = openSnapshot({
    settings: ctx.settings,
    paths: ctx.paths,
    notOlderThan: ctx.prerequisitesRanThisRun ? ctx.runStartedAt : undefined,
    dryRunId: ctx.dryRun ? ctx.runId : undefined,
  });
  try {
    if (cfg.xferCpr && !snapshot.info.exportCpr) {
      throw new JobSettingsError(
        'os2sync.xfer_cpr',
        'the snapshot was built without CPR numbers (exporters.actual_state.export_cpr is false); turn one of them off',
      );
    }
    const raw = readFromSnapshot(snapshot.db, needs, today);
    return { model: assembleModel(raw), moRequests: 0, source: `snapshot ${snapshot.path}` };
  } finally {
    snapshot.close();
  }
}
