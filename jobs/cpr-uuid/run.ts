/**
 * exports_cpr_uuid: one row per MO person (cpr; mo_uuid; ad_guid; sam_account_name), UTF-8 with BOM, `;`, every
 * field quoted. Read from this night's actual-state snapshot when `exports_cache_loracache` succeeded earlier in
 * the run (and holds CPR numbers), else from MO by flat paged reads. Written page by page to a temp file
 * (mode 0600) and renamed into place; in a dry run into the scratch area instead (../dry-run.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { removeStaleTemps, writeAtomically } from '../../orchestrator/atomic-write.js';
import { connectMo } from '../clients/connect-mo.js';
import { reportDryWrite, writeTarget } from '../dry-run.js';
import { quotedCsv, type CsvField } from '../quoted-csv.js';
import { nightSnapshotWithCpr } from '../lora-cache/read.js';
import { adSystems, moSource } from './read-mo.js';
import { snapshotSource } from './read-snapshot.js';
import type { CprSource } from './source.js';
import { adItSystemSetting, cprMapPath } from './settings.js';

export const CPR_MAP_HEADER = ['cpr', 'mo_uuid', 'ad_guid', 'sam_account_name'];

function client(ctx: JobContext) {
  return connectMo({ settings: ctx.settings, env: ctx.env, logger: ctx.logger, signal: ctx.signal });
}

async function openSource(ctx: JobContext, systems: string[]): Promise<CprSource> {
  const snapshot = nightSnapshotWithCpr(ctx);
  if (snapshot) {
    try {
      return await snapshotSource(snapshot, systems, adItSystemSetting.key, async () => {
        const mo = await client(ctx);
        try {
          return await adSystems(mo, systems);
        } finally {
          mo.close();
        }
      });
    } catch (err) {
      snapshot.close();
      throw err;
    }
  }
  const mo = await client(ctx);
  try {
    return await moSource(mo, systems, adItSystemSetting.key);
  } catch (err) {
    mo.close();
    throw err;
  }
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const real = cprMapPath(ctx.settings, ctx.paths);
  const target = writeTarget(ctx, real);
  const systems = ctx.settings.value(adItSystemSetting);
  // a run killed halfway leaves a temp file full of CPR numbers: gone before anything else
  removeStaleTemps(target);
  let source: CprSource | undefined;
  try {
    source = await openSource(ctx, systems);
    const from = source;
    const warnings = [...source.warnings];
    fs.mkdirSync(path.dirname(target), { recursive: true });
    let persons = 0;
    let withAd = 0;
    const withoutCpr: string[] = [];
    await writeAtomically(target, async (tmp) => {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, '\uFEFF' + quotedCsv([CPR_MAP_HEADER], '\r\n'));
        for await (const page of from.rows()) {
          const rows: CsvField[][] = [];
          for (const p of page) {
            if (!p.cpr) withoutCpr.push(p.uuid);
            if (p.ad) withAd++;
            rows.push([p.cpr, p.uuid, p.ad?.externalId, p.ad?.userKey]);
            persons++;
          }
          fs.writeSync(fd, quotedCsv(rows, '\r\n'));
          ctx.progress(persons, undefined, 'persons written');
        }
      } finally {
        fs.closeSync(fd);
      }
    });
    if (withoutCpr.length)
      warnings.push(
        `${withoutCpr.length} person(s) without a CPR number in MO (e.g. ${withoutCpr.slice(0, 3).join(', ')}): cpr left empty`,
      );
    for (const w of warnings) ctx.logger.warn(w);
    const message = ctx.dryRun
      ? reportDryWrite(ctx, real, target, `${persons} persons`)
      : `${persons} persons (${withAd} with an AD account) from ${source.name} → ${target}`;
    if (!ctx.dryRun) ctx.logger.info(message);
    return {
      counters: { persons, with_ad: withAd, without_cpr: withoutCpr.length },
      outputs: [target],
      warnings,
      message,
    };
  } finally {
    source?.close();
  }
}
