/**
 * exports_os2sync (spec §2.1): settings and templates → hash cache → OS2sync reachable? → (autowash read
 * started) → read MO or the snapshot completely → build every payload → send what changed → persist the cache.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import { todayIn } from '../lora-cache/dates.js';
import { snapshotBuiltThisRun } from '../lora-cache/read.js';
import type { Os2syncClient } from '../clients/os2sync.js';
import { os2syncClientFor } from './client.js';
import { fetchHierarchy, startHierarchyRead } from './autowash.js';
import { buildPayloads, type BuiltPayloads } from './build.js';
import { loadHashCache } from './hash-cache.js';
import { waitCacheLock } from './cache-lock.js';
import { readModel } from './read-model.js';
import { checkedConfig } from './checked-config.js';
import type { Os2syncConfig } from './config.js';
import type { CompiledTemplate } from './templates.js';
import { syncPayloads, type ObjectFailure, type SyncOutcome } from './sync.js';
import { MoDataError } from './scope.js';
import { TemplateFailure } from './user-payload.js';

const MAX_LOGGED = 200;
/** Failed objects named in the job's status message; the job log has every one. */
const MAX_NAMED = 5;

export async function run(ctx: JobContext): Promise<JobResult> {
  const log = ctx.logger;
  // 1. settings and templates: any error before any request
  const { cfg, templates } = checkedConfig(ctx.settings, ctx.paths);
  const stub = cfg.apiUrl === 'stub';
  const sending = !ctx.dryRun && !stub;
  // 2. hash cache, under the lock `job-runner listen` takes per batch (it queues meanwhile, drains after)
  const lock = sending
    ? await waitCacheLock(cfg.hashCachePath, 'exports_os2sync', {
        signal: ctx.signal,
        onWait: (h) => log.info(`waiting for the hash cache lock held by ${h.what} (${h.who})`),
      })
    : undefined;
  if (lock?.tookOver) log.warn(`took over a stale hash cache lock: ${lock.tookOver}`);
  try {
    return await runLocked(ctx, cfg, templates, sending, stub);
  } finally {
    lock?.release();
  }
}

async function runLocked(
  ctx: JobContext,
  cfg: Os2syncConfig,
  templates: Map<string, CompiledTemplate>,
  sending: boolean,
  stub: boolean,
): Promise<JobResult> {
  const log = ctx.logger;
  const cache = loadHashCache(cfg.hashCachePath, (m) => log.warn(m));
  const client: Os2syncClient | undefined = sending ? os2syncClientFor(cfg, ctx.signal, log) : undefined;

  // One cheap request first, so an outage fails the night even when nothing changed in MO.
  if (client) {
    try {
      await client.probe();
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      throw new Error(`OS2sync unreachable at start: ${(err as Error).message}; nothing was sent`);
    }
  }

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
    ({ built, moRequests } = await readAndBuild(ctx, cfg, templates, today));
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
      downAfterFailures: cfg.downAfterFailures,
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
    failed: outcome.counters.units_failed + outcome.counters.users_failed,
    mo_requests: moRequests,
    os2sync_requests: client?.sent ?? 0,
  };
  const warnings = warningKinds([...outcome.failures.map((f) => f.line), ...built.errors, ...built.warnings]);
  if (!sending) {
    const what = ctx.dryRun ? 'dry run' : 'stub mode (os2sync.api_url = stub)';
    const message = `${what}: would send ${outcome.planned.length} requests (${summary(outcome)}); nothing sent, hash cache untouched${cfg.autowash ? '; autowash not evaluated' : ''}`;
    log.info(message);
    return { counters: { ...counters, planned_requests: outcome.planned.length }, warnings, message };
  }
  const problems: string[] = [];
  if (outcome.failures.length > 0) problems.push(failedObjects(outcome.failures));
  if (outcome.stopped) problems.push(`OS2sync unreachable, sending stopped (${outcome.stopped})`);
  if (outcome.autowashError) problems.push(`autowash: ${outcome.autowashError}`);
  const message = `${summary(outcome)}${problems.length ? `; ${problems.join('; ')}` : ''}`;
  if (problems.length > 0) return { counters, warnings, message, failed: true };
  return { counters, warnings, message };
}

/**
 * Reads the model and builds every payload. Its own function so that the model is garbage once the payloads
 * exist: a suspended async function keeps every value its frame ever held, so with the read inline in
 * runLocked the whole model (≈ 65 MB live on L) stayed reachable through all of the sending. On a first night
 * that made the heap grow to 470 MB; without it the job sends with ≈ 22 MB live.
 */
async function readAndBuild(
  ctx: JobContext,
  cfg: Os2syncConfig,
  templates: Map<string, CompiledTemplate>,
  today: string,
): Promise<{ built: BuiltPayloads; moRequests: number }> {
  const read = await readModel(ctx, cfg, today);
  ctx.logger.info(
    `read ${read.model.units.size} units and ${read.model.persons.length} persons from ${read.source}`,
  );
  if (read.model.persons.length === 0) throw new MoDataError('MO returned no persons');
  return { built: buildPayloads(read.model, cfg, templates), moRequests: read.moRequests };
}

/** `3 object(s) failed: user <uuid> (HTTP 500), …`: a bounded list for the status line. */
function failedObjects(failures: ObjectFailure[]): string {
  const named = failures.slice(0, MAX_NAMED).map((f) => {
    const why =
      f.status !== undefined ? `HTTP ${f.status}` : f.line.includes('timed out') ? 'timeout' : 'no answer';
    return `${f.kind} ${f.uuid} (${why})`;
  });
  const more =
    failures.length > MAX_NAMED ? `, and ${failures.length - MAX_NAMED} more (see the job log)` : '';
  return `${failures.length} object(s) failed, sent again next run: ${named.join(', ')}${more}`;
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
