/**
 * exports_cpr_uuid: one row per MO person (cpr; mo_uuid; ad_guid; sam_account_name), UTF-8 with BOM, `;`, every
 * field quoted. Written page by page to a temp file (mode 0600) and renamed into place; in a dry run into the
 * scratch area instead (../dry-run.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { removeStaleTemps, writeAtomically } from '../../orchestrator/atomic-write.js';
import { createMoClient } from '../clients/mo.js';
import { reportDryWrite, writeTarget } from '../dry-run.js';
import { CPR_UUID_ITSYSTEMS, CPR_UUID_PERSONS } from './queries.js';
import { adItSystemSetting, cprMapPath } from './settings.js';

interface PersonObject {
  uuid: string;
  current: {
    cpr_number?: string | null;
    itusers?: { user_key: string; external_id?: string | null }[];
  } | null;
}

/** Filters IT users to none when no AD system exists (an empty uuids list is not "none" in every MO version). */
const NO_SUCH_SYSTEM = '00000000-0000-0000-0000-000000000000';

export const CPR_MAP_HEADER = ['cpr', 'mo_uuid', 'ad_guid', 'sam_account_name'];

function csvLine(fields: (string | null | undefined)[]): string {
  return fields.map((f) => `"${(f ?? '').replaceAll('"', '""')}"`).join(';') + '\r\n';
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const real = cprMapPath(ctx.settings, ctx.paths);
  const target = writeTarget(ctx, real);
  const systems = ctx.settings.value(adItSystemSetting);
  const client = createMoClient({
    settings: ctx.settings,
    env: ctx.env,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  // a run killed halfway leaves a temp file full of CPR numbers: gone before anything else
  removeStaleTemps(target);
  try {
    const systemUuids: string[] = [];
    for await (const page of client.paged<{
      uuid: string;
      current: { user_key: string; name: string } | null;
    }>(CPR_UUID_ITSYSTEMS)) {
      for (const s of page)
        if (s.current && (systems.includes(s.current.name) || systems.includes(s.current.user_key)))
          systemUuids.push(s.uuid);
    }
    const warnings: string[] = [];
    if (systemUuids.length === 0) {
      warnings.push(
        `${adItSystemSetting.key}: no IT system in MO is named ${systems.map((s) => `"${s}"`).join(' or ')}; AD columns left empty`,
      );
      systemUuids.push(NO_SUCH_SYSTEM);
    }

    fs.mkdirSync(path.dirname(target), { recursive: true });
    let persons = 0;
    let withAd = 0;
    const withoutCpr: string[] = [];
    await writeAtomically(target, async (tmp) => {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, '\uFEFF' + csvLine(CPR_MAP_HEADER));
        for await (const page of client.paged<PersonObject>(CPR_UUID_PERSONS, { itsystems: systemUuids })) {
          let chunk = '';
          for (const p of page) {
            if (!p.current) continue;
            const cpr = p.current.cpr_number ?? '';
            if (!cpr) withoutCpr.push(p.uuid);
            const ad = p.current.itusers?.[0];
            if (ad) withAd++;
            chunk += csvLine([cpr, p.uuid, ad?.external_id, ad?.user_key]);
            persons++;
          }
          fs.writeSync(fd, chunk);
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
      : `${persons} persons (${withAd} with an AD account) → ${target}`;
    if (!ctx.dryRun) ctx.logger.info(message);
    return {
      counters: { persons, with_ad: withAd, without_cpr: withoutCpr.length },
      outputs: [target],
      warnings,
      message,
    };
  } finally {
    client.close();
  }
}
