/**
 * exports_mox_rollekatalog: the whole organisation and every user with an AD account, in one full-upload POST
 * to OS2rollekatalog (specs/rollekatalog.md §1), built from the night's snapshot and (identity mode dipex) the
 * CPR map. The server replaces what it has: a user left out is deleted, so an empty or shrunken upload is
 * refused before anything is sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { bodyExcerpt, createJsonUploadClient, type JsonUploadClient } from '../clients/json-upload.js';
import { cprMapPath } from '../cpr-uuid/settings.js';
import { readCprMapAccounts } from '../cpr-uuid/read-map.js';
import { writeJsonAtomic } from '../../orchestrator/atomic-write.js';
import { writeTarget } from '../dry-run.js';
import { openNightSnapshot } from '../lora-cache/read.js';
import { resolveIdentities } from './identity.js';
import { readRollekatalogModel } from './model.js';
import { PayloadError, buildPayload } from './payload.js';
import { R } from './settings.js';
import { desiredTitles, syncTitles, titleUrl, type TitleSync } from './titles.js';

export const RESPONSE_COUNTERS = [
  'usersCreated',
  'usersUpdated',
  'usersDeleted',
  'ousCreated',
  'ousUpdated',
  'ousDeleted',
] as const;

/** What the last successful upload sent: the base of the user-drop guard. */
interface LastUpload {
  users: number;
  orgUnits: number;
  at: string;
}

export function lastUploadPath(ctx: Pick<JobContext, 'paths'>): string {
  return path.join(ctx.paths.cache, 'rollekatalog-last-upload.json');
}

function readLastUpload(file: string): LastUpload | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LastUpload;
    return typeof v.users === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const s = ctx.settings;
  const url = s.value(R.url);
  const apiToken = s.value(R.apiToken);
  const root = s.value(R.root);
  const mode = s.value(R.identityMode);
  const syncTitlesOn = s.value(R.syncTitles);
  const warnings: string[] = [];
  if (s.value(R.ldapUrl))
    warnings.push(
      `${R.ldapUrl.key} is not supported: the AD accounts come from the CPR map (exports_cpr_uuid)`,
    );
  const titlesAt = syncTitlesOn ? titleUrl(url) : undefined;
  if (syncTitlesOn && !titlesAt)
    throw new JobSettingsError(
      R.url.key,
      'must contain organisation/v3 for the title API URL to be derived (sync_titles)',
    );

  const snapshot = openNightSnapshot(ctx);
  let model;
  try {
    model = readRollekatalogModel(snapshot.db);
  } finally {
    snapshot.close();
  }
  const ids = resolveIdentities(model, mode, {
    ...(mode === 'dipex' ? { cprMap: readCprMapAccounts(cprMapPath(s, ctx.paths)) } : {}),
    adSystem: s.value(R.adItSystem),
    fkSystem: s.value(R.fkItSystem),
  });
  if (ids.missingFromMap.length)
    warnings.push(
      `${ids.missingFromMap.length} person(s) are not in the CPR map (created after exports_cpr_uuid ran?), not sent: ${ids.missingFromMap.slice(0, 5).join(', ')}`,
    );

  const client: JsonUploadClient = createJsonUploadClient({
    headers: { ApiKey: apiToken },
    verifyTls: s.value(R.verifyTls),
    timeoutMs: s.value(R.timeout),
    maxAttempts: 3,
    baseDelayMs: s.value(R.retryDelay),
    maxDelayMs: 60_000,
    signal: ctx.signal,
    onRetry: (what, err, n, delay) =>
      ctx.logger.warn(
        `Rollekatalog ${what} failed (${err.message}); attempt ${n + 1} in ${Math.round(delay / 1000)} s`,
      ),
  });
  const outputs: string[] = [];

  let titles: TitleSync | undefined;
  if (syncTitlesOn) {
    const desired = desiredTitles(model.jobFunctions, s.value(R.titleNameField));
    if (ctx.dryRun) {
      const file = writeTarget(ctx, 'titles.json');
      writeJsonAtomic(file, desired);
      outputs.push(file);
      titles = desired.length
        ? { state: 'unchanged', uuids: new Set(desired.map((t) => t.uuid)), count: desired.length }
        : { state: 'empty' };
    } else titles = await syncTitles(client, titlesAt!, desired);
    if (titles.state === 'disabled')
      warnings.push('titles are disabled on the Rollekatalog server (HTTP 403): uploaded without titleUuid');
    if (titles.state === 'empty')
      warnings.push(
        'no job-function classes in MO: titles not synced (an empty list would deactivate every title)',
      );
  }

  let built;
  try {
    built = buildPayload(model, ids.byPerson, {
      root,
      ouFilter: s.value(R.ouFilter),
      rootUuid: s.value(R.rootUuid),
      useNickname: s.value(R.useNickname),
      kleMapping: s.value(R.kleMapping),
      emailTypes: s.value(R.emailTypes),
      ...(titles && 'uuids' in titles ? { titleUuids: titles.uuids } : {}),
    });
  } catch (err) {
    if (err instanceof PayloadError) throw new JobSettingsError(R.root.key, err.message);
    throw err;
  }
  for (const w of built.warnings) ctx.logger.warn(w);
  const { payload, counts } = built;
  const sizes = `${payload.orgUnits.length} units, ${payload.users.length} users`;
  if (counts.usersDropped || counts.duplicateUserIds || counts.positionsDropped || counts.unitsDropped)
    warnings.push(
      `left out after validation: ${counts.unitsDropped} unit(s), ${counts.usersDropped + counts.duplicateUserIds} user(s), ${counts.positionsDropped} position(s) (see the job log)`,
    );
  for (const w of warnings) ctx.logger.warn(w);
  const base = {
    counters: {
      org_units: payload.orgUnits.length,
      users: payload.users.length,
      not_in_ad: ids.notInAd,
      without_positions: counts.usersWithoutPositions,
      dropped: counts.usersDropped + counts.duplicateUserIds,
      managers_cleared: counts.managersCleared,
    },
    warnings,
  };

  // Empty guard (REC 1): the server would delete every user (or unit) of the domain.
  if (payload.orgUnits.length === 0 || payload.users.length === 0)
    return {
      ...base,
      failed: true,
      message: `refused to upload ${sizes}: an upload without ${payload.users.length === 0 ? 'users' : 'units'} would delete them all in Rollekatalog`,
    };
  const maxDrop = s.value(R.maxUserDropPct);
  const last = readLastUpload(lastUploadPath(ctx));
  if (maxDrop !== undefined && last && last.users > 0) {
    const drop = ((last.users - payload.users.length) / last.users) * 100;
    if (drop > maxDrop)
      return {
        ...base,
        failed: true,
        message: `refused to upload ${sizes}: users dropped by ${drop.toFixed(1)} % since the last upload (${last.users}), more than ${R.maxUserDropPct.key} = ${maxDrop}`,
      };
  }

  if (ctx.dryRun) {
    const file = writeTarget(ctx, 'organisation.json');
    const bytes = writeJsonAtomic(file, payload);
    outputs.push(file);
    const message = `dry run: would upload ${sizes} (${bytes} bytes) to ${url}; payload in ${file}`;
    ctx.logger.info(message);
    return { ...base, outputs, message };
  }

  ctx.progress(0, 1, 'uploading to Rollekatalog');
  const res = await client.request('POST', url, payload);
  if (res.status === 401 || res.status === 403)
    throw new JobSettingsError(
      R.apiToken.key,
      `Rollekatalog refused the ApiKey (HTTP ${res.status}); check the key and that its client has the ORGANISATION role`,
    );
  if (res.status !== 200) {
    const detail = (res.json as { message?: unknown } | undefined)?.message;
    throw new Error(
      `Rollekatalog rejected the upload (HTTP ${res.status}): ${typeof detail === 'string' ? bodyExcerpt(detail) : bodyExcerpt(res.text)}`,
    );
  }
  const answer = (res.json ?? {}) as Record<string, unknown>;
  const counters: Record<string, number> = { ...base.counters };
  for (const k of RESPONSE_COUNTERS) counters[k] = typeof answer[k] === 'number' ? (answer[k] as number) : 0;
  writeJsonAtomic(lastUploadPath(ctx), {
    users: payload.users.length,
    orgUnits: payload.orgUnits.length,
    at: new Date().toISOString(),
  } satisfies LastUpload);
  if (counters.usersDeleted! > 0 || counters.ousDeleted! > 0) {
    const deleted = `Rollekatalog deleted ${counters.usersDeleted} user(s) and ${counters.ousDeleted} unit(s) that this upload left out`;
    ctx.logger.warn(deleted);
    warnings.push(deleted);
  }
  const summary = RESPONSE_COUNTERS.map((k) => `${k} ${counters[k]}`).join(', ');
  const titleNote =
    titles && 'count' in titles
      ? `; titles ${titles.state === 'posted' ? 'synced' : 'unchanged'} (${titles.count})`
      : '';
  const message = `uploaded ${sizes}: ${summary}${titleNote}`;
  ctx.logger.info(message);
  return { counters, warnings, message };
}
