/**
 * exports_os2phonebook_export: employees, then units, each as one full load into OS2phonebook (specs/
 * rollekatalog.md §2). The server deletes its index before loading, so an empty body is never sent, and the
 * units are not sent when the employees failed.
 */
import path from 'node:path';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { bodyExcerpt, createJsonUploadClient, type JsonUploadClient } from '../clients/json-upload.js';
import { writeJsonAtomic } from '../../orchestrator/atomic-write.js';
import { writeTarget } from '../dry-run.js';
import { openNightSnapshot } from '../lora-cache/read.js';
import { buildPhonebook } from './payload.js';
import { PB } from './settings.js';

/** `base` + `uri`, whether or not either has the `/`. */
export function joinUrl(base: string, uri: string): string {
  return `${base.replace(/\/+$/, '')}/${uri.replace(/^\/+/, '')}`;
}

interface LoadResult {
  indexed: number;
  total: number;
}

async function load(
  client: JsonUploadClient,
  url: string,
  what: string,
  body: Record<string, unknown>,
): Promise<LoadResult> {
  const res = await client.request('POST', url, body);
  if (res.status === 401 || res.status === 403)
    throw new JobSettingsError(
      PB.password.key,
      `OS2phonebook refused the login (HTTP ${res.status}) for ${what}; check ${PB.user.key} and ${PB.password.key}`,
    );
  if (res.status !== 200) {
    const err = (res.json as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new Error(
      `OS2phonebook rejected the ${what} (HTTP ${res.status}): ${typeof err === 'string' ? bodyExcerpt(err) : bodyExcerpt(res.text)}`,
    );
  }
  const answer = (res.json ?? {}) as Partial<LoadResult>;
  return { indexed: Number(answer.indexed ?? 0), total: Number(answer.total ?? 0) };
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const s = ctx.settings;
  const base = s.value(PB.baseUrl);
  const password = s.value(PB.password);
  const snapshot = openNightSnapshot(ctx);
  let built;
  try {
    built = buildPhonebook(snapshot.db);
  } finally {
    snapshot.close();
  }
  const employees = Object.keys(built.employees).length;
  const units = Object.keys(built.orgUnits).length;
  const warnings: string[] = [];
  if (built.unresolvedDar.length)
    warnings.push(
      `${built.unresolvedDar.length} DAR address(es) without a resolved text left out (e.g. ${built.unresolvedDar.slice(0, 3).join(', ')})`,
    );
  for (const w of warnings) ctx.logger.warn(w);
  const counters = { employees, org_units: units, secret_addresses_left_out: built.secretAddresses };
  if (employees === 0 || units === 0)
    return {
      counters,
      warnings,
      failed: true,
      message: `refused to load ${employees} employees and ${units} units: an empty load would wipe the phonebook`,
    };

  const employeesUrl = joinUrl(base, s.value(PB.employeesUri));
  const unitsUrl = joinUrl(base, s.value(PB.orgUnitsUri));
  const keepDir = s.value(PB.keepJson) ? path.join(ctx.paths.state, 'os2phonebook') : undefined;
  const outputs: string[] = [];
  if (ctx.dryRun || keepDir) {
    for (const [name, body] of [
      ['employees.json', built.employees],
      ['org_units.json', built.orgUnits],
    ] as const) {
      const file = ctx.dryRun ? writeTarget(ctx, name) : path.join(keepDir!, name);
      writeJsonAtomic(file, body);
      outputs.push(file);
    }
  }
  if (ctx.dryRun) {
    const message = `dry run: would load ${employees} employees into ${employeesUrl} and ${units} units into ${unitsUrl}; bodies in ${path.dirname(outputs[0]!)}`;
    ctx.logger.info(message);
    return { counters, warnings, outputs, message };
  }

  const client = createJsonUploadClient({
    headers: { Authorization: `Basic ${Buffer.from(`${s.value(PB.user)}:${password}`).toString('base64')}` },
    verifyTls: s.value(PB.verifyTls),
    timeoutMs: s.value(PB.timeout),
    maxAttempts: 5,
    baseDelayMs: s.value(PB.retryDelay),
    maxDelayMs: 60_000,
    signal: ctx.signal,
    onRetry: (what, err, n, delay) =>
      ctx.logger.warn(
        `OS2phonebook ${what} failed (${err.message}); attempt ${n + 1} in ${Math.round(delay / 1000)} s`,
      ),
  });
  ctx.progress(0, 2, 'loads sent');
  const e = await load(client, employeesUrl, 'employees', built.employees);
  ctx.progress(1, 2, 'loads sent');
  const u = await load(client, unitsUrl, 'org units', built.orgUnits);
  ctx.progress(2, 2, 'loads sent');
  for (const [what, r] of [
    ['employees', e],
    ['org units', u],
  ] as const)
    if (r.indexed < r.total) {
      const w = `OS2phonebook indexed only ${r.indexed} of ${r.total} ${what}`;
      ctx.logger.warn(w);
      warnings.push(w);
    }
  const message = `loaded ${e.indexed}/${e.total} employees and ${u.indexed}/${u.total} units`;
  ctx.logger.info(message);
  return {
    counters: { ...counters, employees_indexed: e.indexed, org_units_indexed: u.indexed },
    warnings,
    outputs,
    message,
  };
}
