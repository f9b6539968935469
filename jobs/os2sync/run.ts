/**
 * exports_os2sync (spec §2.1): settings and templates → hash cache → (autowash read started) → read MO or the
 * snapshot completely → build every payload → send what changed → persist the cache.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { todayIn } from '../lora-cache/dates.js';
import { snapshotBuiltThisRun } from '../lora-cache/read.js';
import { createOs2syncClient, type Os2syncClient } from '../clients/os2sync.js';
import { fetchHierarchy, startHierarchyRead } from './autowash.js';
import { buildPayloads, type BuiltPayloads } from './build.js';
import { loadHashCache } from './hash-cache.js';
import { readModel } from './read-model.js';
import { readConfig } from './config.js';
import { syncPayloads, type SyncOutcome } from './sync.js';
import { compileTemplates, TemplateSyntaxError } from './templates.js';
import { MoDataError } from './scope.js';
import { TemplateFailure } from './user-payload.js';

const MAX_LOGGED = 200;

export async function run(ctx: JobContext): Promise<JobResult> {
  const log = ctx.logger;
  // 1. settings and templates: any error before any request
  const cfg = readConfig(ctx.settings, ctx.paths);
  let templates;
  try {
    templates = compileTemplates(cfg.templates);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new JobSettingsError('os2sync.templates', err.message);
    throw err;
  }
  // 2. hash cache
  const cache = loadHashCache(cfg.hashCachePath, (m) => log.warn(m));
  const stub = cfg.apiUrl === 'stub';
  const sending = !ctx.dryRun && !stub;
  const client: Os2syncClient | undefined = sending
    ? createOs2syncClient({
        baseUrl: cfg.apiUrl,
        cvr: cfg.cvr,
        apiKey: cfg.apiKey,
        caVerify: cfg.caVerifyOs2sync,
        timeoutMs: cfg.timeoutMs,
        retry: cfg.retry,
        signal: ctx.signal,
        onRetry: (what, e, n, d) =>
          log.warn(`OS2sync ${what}: ${e.message}; retry ${n} in ${Math.round(d / 100) / 10}s`),
      })
    : undefined;

  // 3. autowash: start the FK hierarchy read first, it takes minutes on a large municipality
  let hierarchyId: Promise<string> | undefined;
  if (cfg.autowash && client) {
    hierarchyId = startHierarchyRead(client);
    hierarchyId.catch(() => undefined);
  }

  // 4. read everything, build everything; a failure here sends nothing
  const today = todayIn(cfg.timezone);
  let built: BuiltPayloads;
  let moRequests: number;
  try {
    const read = await readModel(ctx, cfg, today);
    moRequests = read.moRequests;
    log.info(
      `read ${read.model.units.size} units and ${read.model.persons.length} persons from ${read.source}`,
    );
    if (read.model.persons.length === 0) throw new MoDataError('MO returned no persons');
    built = buildPayloads(read.model, cfg, templates);
  } catch (err) {
    if (err instanceof JobSettingsError) throw err;
    const why =
      err instanceof TemplateFailure || err instanceof MoDataError
        ? (err as Error).message
        : `reading ${cfg.useLcDb === true || (cfg.useLcDb === 'auto' && snapshotBuiltThisRun(ctx)) ? 'the snapshot (or MO)' : 'MO'} failed: ${(err as Error).message}`;
    throw new Error(`${why}; nothing was sent or deleted`);
  }
  reportBuild(built, ctx);

  // 5–8. send; the cache is persisted whatever happens once sending started
  let outcome: SyncOutcome;
  try {
    outcome = await syncPayloads(built, {
      cache,
      client,
      logger: log,
      verbose: ctx.verbose || stub,
      signal: ctx.signal,
      progress: ctx.progress,
      checkpoint: sending ? () => cache.save() : undefined,
      hierarchy:
        hierarchyId && client
          ? async () =>
              fetchHierarchy(client, await hierarchyId!, {
                pollMs: cfg.hierarchyPollMs,
                timeoutMs: cfg.hierarchyTimeoutMs,
                signal: ctx.signal,
              })
          : undefined,
    });
  } finally {
    if (sending) cache.save();
  }

  const counters: Record<string, number> = {
    ...outcome.counters,
    mo_requests: moRequests,
    os2sync_requests: client?.sent ?? 0,
  };
  const warnings = warningKinds([...built.errors, ...built.warnings]);
  if (!sending) {
    const what = ctx.dryRun ? 'dry run' : 'stub mode (os2sync.api_url = stub)';
    const message = `${what}: would send ${outcome.planned.length} requests (${summary(outcome)}); nothing sent, hash cache untouched${cfg.autowash ? '; autowash not evaluated' : ''}`;
    log.info(message);
    return { counters: { ...counters, planned_requests: outcome.planned.length }, warnings, message };
  }
  const problems: string[] = [];
  if (outcome.failures.length > 0)
    problems.push(`${outcome.failures.length} object(s) rejected: ${outcome.failures[0]}`);
  if (outcome.stopped) problems.push(`OS2sync unreachable, sending stopped (${outcome.stopped})`);
  if (outcome.autowashError) problems.push(`autowash: ${outcome.autowashError}`);
  const message = `${summary(outcome)}${problems.length ? `; ${problems.join('; ')}` : ''}`;
  if (problems.length > 0) return { counters, warnings, message, failed: true };
  return { counters, warnings, message };
}

function summary(o: SyncOutcome): string {
  const c = o.counters;
  return (
    `units ${c.units_found} found, ${c.units_upserted} upserted, ${c.units_deleted} deleted, ${c.units_unchanged} unchanged, ${c.units_failed} failed; ` +
    `users ${c.users_found} found, ${c.users_upserted} upserted, ${c.users_deleted} deleted, ${c.users_unchanged} unchanged, ${c.users_failed} failed`
  );
}

/** Per-object warnings grouped by kind (uuids elided) with counts, for the status line; the log has each one. */
function warningKinds(lines: string[]): string[] {
  const counts = new Map<string, { n: number; first: string }>();
  for (const line of lines) {
    const kind = line.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '…');
    const seen = counts.get(kind);
    if (seen) seen.n += 1;
    else counts.set(kind, { n: 1, first: line });
  }
  return [...counts].slice(0, 5).map(([kind, { n, first }]) => (n > 1 ? `${n} × ${kind}` : first));
}

function reportBuild(built: BuiltPayloads, ctx: JobContext): void {
  const log = ctx.logger;
  const lines: [string, string][] = [
    ...built.errors.map((m): [string, string] => ['error', m]),
    ...built.warnings.map((m): [string, string] => ['warn', m]),
    ...built.truncations.map((t): [string, string] => [
      'warn',
      `${t.key} of ${t.uuid} was cut to the truncate length`,
    ]),
  ];
  for (const [level, m] of lines.slice(0, MAX_LOGGED)) log.log(level, m);
  if (lines.length > MAX_LOGGED) log.warn(`… and ${lines.length - MAX_LOGGED} more warnings`);
}
