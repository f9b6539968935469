/**
 * `job-runner listen` (specs/events.md Decisions): owner from `me.actor.uuid`, listeners declared in `mo`,
 * fetchers (event → inbox → targets queued → ack), one worker (queued targets → OS2sync re-sync in batches
 * under the hash-cache lock, which the night's exports_os2sync holds while it runs), status file, /metrics.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import winston from 'winston';
import client from 'prom-client';
import type { Settings } from '../../../orchestrator/settings-store.js';
import { SettingsError } from '../../../orchestrator/settings-store.js';
import { JobSettingsError } from '../../../orchestrator/job.js';
import { ExitError, LockHeldError, SettingsProblemsError } from '../../../orchestrator/errors.js';
import { acquireLease, describeHolder } from '../../../orchestrator/lease.js';
import { listenLockPath } from '../../../orchestrator/state-paths.js';
import { makeRedactor } from '../../../orchestrator/redact.js';
import { MoError, createMoClient } from '../../clients/mo.js';
import { todayIn } from '../../lora-cache/dates.js';
import { os2syncClientFor } from '../client.js';
import { checkedConfig } from '../checked-config.js';
import type { Os2syncConfig } from '../config.js';
import { loadHashCache } from '../hash-cache.js';
import { tryCacheLock } from '../cache-lock.js';
import type { CompiledTemplate } from '../templates.js';
import { L } from './settings.js';
import { ACK_BATCH_MAX, declareListenerMutation, fetchEventQuery, meQuery } from './queries.js';
import { ackEvents } from './acks.js';
import { ListenQueue, queuePath, type QueuedTarget } from './queue.js';
import { buildAll, resyncTargets, type ResyncDeps } from './resync.js';
import { ROUTING_KEYS, batchedOwners, targetsOf } from './targets.js';
import { Batcher } from './batcher.js';

export const UNKNOWN_ACTOR = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Events one fetcher has between inbox and ack before it waits for the oldest to finish. */
const PIPELINE_DEPTH = 8;

export interface ListenOptions {
  settings: Settings;
  env: Record<string, string | undefined>;
  root: string;
  stateDir: string;
  verbose?: boolean;
}

export const statusFile = (stateDir: string): string => path.join(stateDir, 'listen', 'status.json');

/** Test-only: `JOB_RUNNER_TEST_KILL_AT=after-fetch|after-queue|after-send` kills the process there (kill -9 tests). */
function killPoint(name: string): void {
  if (process.env.JOB_RUNNER_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function settingsProblem(err: unknown): never {
  if (err instanceof SettingsError || err instanceof JobSettingsError)
    throw new SettingsProblemsError([{ key: err.key, message: err.message.slice(err.key.length + 2) }]);
  throw err;
}

export async function listen(opts: ListenOptions): Promise<number> {
  const { settings, env, stateDir } = opts;
  const paths = { root: opts.root, cache: path.join(stateDir, 'cache') };
  let cfg: Os2syncConfig;
  let templates: Map<string, CompiledTemplate>;
  let listenCfg;
  try {
    // the listener always reads MO itself: the snapshot is last night's state
    const checked = checkedConfig(settings, paths);
    cfg = { ...checked.cfg, useLcDb: false };
    templates = checked.templates;
    listenCfg = {
      idlePoll: settings.value(L.idlePoll),
      parallelism: settings.value(L.parallelism),
      prefix: settings.value(L.userKeyPrefix),
      backoff: settings.value(L.retryBackoff),
      backoffMax: settings.value(L.retryBackoffMax),
      batchSize: settings.value(L.batchSize),
      batchWait: settings.value(L.batchWait),
      metricsPort: settings.value(L.metricsPort),
      metricsHost: settings.value(L.metricsHost),
    };
  } catch (err) {
    settingsProblem(err);
  }
  if (cfg.apiUrl === 'stub')
    throw new SettingsProblemsError([
      { key: 'os2sync.api_url', message: 'listen needs a real OS2sync URL (stub sends nothing)' },
    ]);

  const stop = new AbortController(); // stops fetching and idle waits; in-flight work finishes (drain)
  const hard = new AbortController(); // a second signal, or the lease lost: abort requests too
  const redact = makeRedactor();
  const logger = winston.createLogger({
    level: opts.verbose ? 'debug' : 'info',
    format: winston.format.printf((i) =>
      redact(`${new Date().toISOString()} ${i.level}: ${String(i.message)}`),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });

  // one listener per state dir: the lease, as the night's run lock (orchestrator/lease.ts)
  const lockFile = listenLockPath(stateDir);
  fs.mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o700 });
  let lost: string | null = null;
  const got = acquireLease(lockFile, 'listen', {
    // another listener took the lease over (ours was not renewed for 10 min): two must not run, so stop
    onLost: (msg) => {
      lost = msg;
      stop.abort();
      hard.abort(new Error(msg));
    },
  });
  if (!got.ok)
    throw new LockHeldError(
      `job-runner listen is already running on ${stateDir}: ${got.holder ? describeHolder(got.holder) : (got.note ?? 'unknown holder')}`,
    );
  const lock = got.lease;
  if (got.tookOver) logger.warn(`took over a stale listener lock ${lockFile}: ${got.tookOver}`);

  let signals = 0;
  const onSignal = (sig: string): void => {
    signals += 1;
    if (signals === 1) logger.info(`${sig}: draining in-flight work, then exiting`);
    else hard.abort(new Error('interrupted'));
    stop.abort();
  };
  const onTerm = (): void => onSignal('SIGTERM');
  const onInt = (): void => onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);

  const queue = new ListenQueue(queuePath(stateDir));
  const mo = createMoClient({ settings, env, logger, signal: hard.signal });
  const os2sync = os2syncClientFor(cfg, hard.signal, logger);

  const state = {
    host: os.hostname(),
    pid: process.pid,
    started: new Date().toISOString(),
    owner: null as string | null,
    listeners: [] as { routing_key: string; uuid: string }[],
    lastError: null as { at: string; message: string } | null,
    nightRunning: null as string | null,
    fetched: 0,
    acked: 0,
  };
  const setError = (message: string): void => {
    state.lastError = { at: new Date().toISOString(), message: redact(message) };
    logger.error(message);
  };

  // ---- metrics ----
  const registry = new client.Registry();
  const counter = (name: string, help: string) => new client.Counter({ name, help, registers: [registry] });
  const m = {
    fetched: counter('job_runner_listen_events_fetched_total', 'Events fetched from MO'),
    acked: counter('job_runner_listen_events_acked_total', 'Events acknowledged'),
    synced: counter('job_runner_listen_targets_synced_total', 'Targets re-synced'),
    failed: counter('job_runner_listen_targets_failed_total', 'Target re-syncs that failed (retried later)'),
  };
  new client.Gauge({
    name: 'job_runner_listen_queue_depth',
    help: 'Targets waiting in the queue',
    registers: [registry],
    collect() {
      this.set(queue.depth().total);
    },
  });
  new client.Gauge({
    name: 'job_runner_listen_queue_oldest_seconds',
    help: 'Age of the oldest queued target (lag)',
    registers: [registry],
    collect() {
      const o = queue.depth().oldestQueuedAt;
      this.set(o === null ? 0 : (Date.now() - o) / 1000);
    },
  });
  new client.Gauge({
    name: 'job_runner_listen_up',
    help: '1 while the listener runs',
    registers: [registry],
    collect() {
      this.set(1);
    },
  });
  let metricsServer: http.Server | undefined;
  if (listenCfg.metricsPort > 0) {
    metricsServer = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new SettingsProblemsError([
            {
              key: 'listen.metrics_port',
              message: `cannot listen on ${listenCfg.metricsHost}:${listenCfg.metricsPort} (${e.code ?? e.message})`,
            },
          ]),
        ),
      );
      metricsServer!.listen(listenCfg.metricsPort, listenCfg.metricsHost, () => resolve());
    }).catch((e) => {
      lock.release();
      throw e;
    });
  }

  // ---- status file (read by `job-runner status`) ----
  const writeStatus = (alive: boolean): void => {
    if (lost !== null) return; // the status file is the new holder's now
    const d = queue.depth();
    const c = queue.counters();
    const body = {
      alive,
      host: state.host,
      pid: state.pid,
      started: state.started,
      heartbeat: new Date().toISOString(),
      owner: state.owner,
      listeners: state.listeners,
      queue_depth: d.total,
      queue_failing: d.failing,
      oldest_queued_age_s:
        d.oldestQueuedAt === null ? null : Math.round((Date.now() - d.oldestQueuedAt) / 1000),
      events_fetched: c.fetched ?? 0,
      events_acked: c.acked ?? 0,
      targets_synced: c.synced ?? 0,
      targets_failed: c.failed ?? 0,
      night_running: state.nightRunning,
      last_error: state.lastError,
      failing: queue.failing().map((f) => ({ ...f, next: new Date(f.next).toISOString() })),
    };
    const file = statusFile(stateDir);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(body, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
  };

  let wake: () => void = () => undefined;
  /** While the worker holds back a small batch during a burst, new targets do not wake it (it waits for more). */
  let holdingBack = false;
  const wakeWorker = (): void => {
    if (!holdingBack) wake();
  };
  /** Fetchers whose last fetch got an event: while > 0 a burst is on and more targets are coming. */
  let fetchersFinding = 0;

  /** Inbox event → targets queued (same transaction drops the inbox row) → ack. */
  const process1 = async (e: {
    id: number;
    routingKey: string;
    subject: string;
    token: string;
    queued?: number;
  }): Promise<void> => {
    if (e.queued) return ack(e);
    const targets = await targetsOf(
      mo,
      e.routingKey,
      e.subject,
      (page) => {
        queue.enqueue(page);
        wakeWorker();
      },
      owners,
    );
    queue.enqueue(targets, e.id);
    killPoint('after-queue');
    wakeWorker();
    await ack(e);
  };
  /** MO answered the request with an error (not "MO is down"): one bad subject or token in a batch can do that. */
  const refused = (err: unknown): boolean => err instanceof MoError && err.status === 200;
  /** Owner look-ups of events handled at the same time share one request per routing key. */
  const owners = batchedOwners(mo, refused);
  /** Events handled at the same time are acknowledged in one request. */
  const acks = new Batcher<{ id: number; token: string }, void>(
    async (events) => {
      await ackEvents(
        mo,
        events.map((e) => e.token),
      );
      queue.acked(events.map((e) => e.id));
      m.acked.inc(events.length);
      return events.map(() => undefined);
    },
    ACK_BATCH_MAX,
    refused,
  );
  const ack = (e: { id: number; token: string }): Promise<void> => acks.add({ id: e.id, token: e.token });

  /** Inbox rows left by a kill -9 (at start: all) or by a failed look-up or ack (later: older than 30 s). */
  const drainInbox = async (fetchedBefore?: number): Promise<void> => {
    for (const e of queue.inbox(fetchedBefore)) {
      try {
        await process1(e);
      } catch (err) {
        setError(`event ${e.routingKey} ${e.subject}: ${(err as Error).message}`);
      }
    }
  };

  const fetcher = async (listener: { uuid: string; routing_key: string }): Promise<void> => {
    /** This fetcher's events between inbox and ack. */
    const inFlight = new Set<Promise<void>>();
    let finding = false;
    const found = (now: boolean): void => {
      if (now === finding) return;
      finding = now;
      fetchersFinding += now ? 1 : -1;
      if (fetchersFinding === 0) wake(); // the burst is over: re-sync what is queued now
    };
    while (!stop.signal.aborted) {
      let ev: { subject: string; priority: number; token: string } | null;
      try {
        ev = (await mo.query<{ event_fetch: typeof ev }>(fetchEventQuery, { listener: listener.uuid }))
          .event_fetch;
      } catch (err) {
        found(false);
        if (stop.signal.aborted) break;
        setError(`fetching ${listener.routing_key} events: ${(err as Error).message}`);
        await sleep(5_000, stop.signal);
        continue;
      }
      found(ev !== null);
      if (!ev) {
        await sleep(listenCfg.idlePoll, stop.signal);
        continue;
      }
      const id = queue.receive({
        listener: listener.uuid,
        routingKey: listener.routing_key,
        subject: ev.subject,
        token: ev.token,
      });
      m.fetched.inc();
      killPoint('after-fetch');
      // the event is in the inbox (durable): fetch the next one while this one's look-up and ack run, so
      // events handled at the same time share those requests
      const { subject, token } = ev;
      const handled: Promise<void> = process1({ id, routingKey: listener.routing_key, subject, token })
        .catch((err: unknown) => {
          // the inbox row stays: retried by drainInbox (MO would redeliver only after ≥ 3 min)
          setError(`event ${listener.routing_key} ${subject}: ${(err as Error).message}`);
        })
        .finally(() => inFlight.delete(handled));
      inFlight.add(handled);
      if (inFlight.size >= PIPELINE_DEPTH) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  };

  const backoffMs = (attempts: number): number =>
    Math.min(listenCfg.backoffMax, listenCfg.backoff * 2 ** Math.max(0, attempts - 1));

  /** Sleeps until `ms` passed, `wake()` is called or the drain starts. */
  const workerSleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        stop.signal.removeEventListener('abort', done);
        wake = () => undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      wake = done;
      stop.signal.addEventListener('abort', done, { once: true });
    });

  const worker = async (): Promise<void> => {
    let lastInboxDrain = Date.now();
    /** Since when a small batch is held back during a burst (null: not holding back). */
    let heldSince: number | null = null;
    const drain = (): boolean => stop.signal.aborted && queue.due(1).length === 0;
    while (!hard.signal.aborted) {
      if (Date.now() - lastInboxDrain > 30_000) {
        lastInboxDrain = Date.now();
        await drainInbox(Date.now() - 30_000);
      }
      const due = queue.due(listenCfg.batchSize);
      if (due.length === 0) {
        if (stop.signal.aborted) return;
        const next = queue.nextDue();
        await workerSleep(next === null ? 1_000 : Math.max(10, Math.min(1_000, next - Date.now())));
        continue;
      }
      // a burst (fetchers still finding events): each re-sync reads MO in full, so gather a full batch,
      // but hold back no longer than listen.batch_wait; a single change goes at once (its fetcher found nothing next)
      heldSince ??= Date.now();
      const held = Date.now() - heldSince;
      if (
        due.length < listenCfg.batchSize &&
        fetchersFinding > 0 &&
        held < listenCfg.batchWait &&
        !stop.signal.aborted
      ) {
        holdingBack = true;
        await workerSleep(Math.min(250, listenCfg.batchWait - held));
        holdingBack = false;
        continue;
      }
      heldSince = null;
      const cacheLock = tryCacheLock(cfg.hashCachePath, 'job-runner listen');
      if ('held' in cacheLock) {
        if (state.nightRunning === null)
          logger.info(`${cacheLock.held.what} holds the hash cache: queueing, not sending`);
        state.nightRunning = `${cacheLock.held.what} (${cacheLock.held.who})`;
        if (stop.signal.aborted) return; // drain ends: the rest stays queued for the next start
        await sleep(500, stop.signal);
        continue;
      }
      if (cacheLock.tookOver) logger.warn(`took over a stale hash cache lock: ${cacheLock.tookOver}`);
      if (state.nightRunning !== null) logger.info('the hash cache is free again: draining the queue');
      state.nightRunning = null;
      try {
        await syncBatch(due);
      } catch (err) {
        setError(`re-sync of ${due.length} target(s) failed: ${(err as Error).message}`);
        await sleep(5_000, stop.signal);
      } finally {
        cacheLock.release();
      }
      if (drain()) return;
    }
  };

  const deps: ResyncDeps = {
    cfg,
    templates,
    mo,
    os2sync,
    logger,
    today: todayIn(cfg.timezone),
    signal: hard.signal,
  };

  async function syncBatch(due: QueuedTarget[]): Promise<void> {
    deps.today = todayIn(cfg.timezone);
    const cache = loadHashCache(cfg.hashCachePath, (msg) => logger.warn(msg));
    const built = await buildAll(deps);
    let res = await resyncTargets(due, built, cache, deps);
    let ok = res.ok;
    let failed = res.failed;
    let error = res.error;
    // OS2sync stopped on one target: try the rest one by one, so one bad target does not hold up the others
    if (res.stopped && failed.length > 1) {
      const left = failed;
      failed = [];
      let stoppedInARow = 0;
      for (const t of left) {
        if (stoppedInARow >= 2 || hard.signal.aborted) {
          failed.push(t);
          continue;
        }
        res = await resyncTargets([t], built, cache, deps);
        ok = ok.concat(res.ok);
        failed = failed.concat(res.failed);
        if (res.error) error = res.error;
        stoppedInARow = res.stopped ? stoppedInARow + 1 : 0;
      }
    }
    killPoint('after-send');
    cache.save();
    queue.done(ok);
    if (failed.length > 0) {
      queue.failed(failed, error ?? 'not sent', backoffMs);
      queue.bump('failed', failed.length);
      m.failed.inc(failed.length);
      setError(`${failed.length} target(s) not synced, retried later: ${error ?? 'not sent'}`);
    }
    queue.bump('synced', ok.length);
    m.synced.inc(ok.length);
    const c = res.outcome.counters;
    logger.info(
      `re-synced ${ok.length} target(s): users ${c.users_upserted} upserted, ${c.users_deleted} deleted; units ${c.units_upserted} upserted, ${c.units_deleted} deleted`,
    );
  }

  const statusTimer = setInterval(() => writeStatus(true), 1_000);
  try {
    writeStatus(true);
    // identity and listeners (a failure here is fatal: exit 1 with one line)
    const me = await mo.query<{ me: { actor: { uuid: string } } }>(meQuery);
    if (me.me.actor.uuid === UNKNOWN_ACTOR) {
      const clientIdKey = 'crontab.CLIENT_ID';
      throw new SettingsProblemsError([
        {
          key: clientIdKey,
          message: `the Keycloak client ${settings.get(clientIdKey) ?? env.CLIENT_ID ?? '(none)'} has no uuid claim (MO answers actor ffffffff-…); give the client a uuid attribute mapper`,
        },
      ]);
    }
    state.owner = me.me.actor.uuid;
    for (const key of ROUTING_KEYS) {
      const r = await mo.query<{ event_listener_declare: { uuid: string } }>(declareListenerMutation, {
        user_key: `${listenCfg.prefix}${key}`,
        routing_key: key,
      });
      state.listeners.push({ routing_key: key, uuid: r.event_listener_declare.uuid });
    }
    logger.info(
      `listening as ${state.owner}: ${state.listeners.length} listeners in namespace mo; queue ${queue.depth().total} target(s)`,
    );
    writeStatus(true);
    await drainInbox(); // events fetched before a kill -9: recovered at once
    const fetchers = state.listeners.flatMap((l) =>
      Array.from({ length: listenCfg.parallelism }, () => fetcher(l)),
    );
    await Promise.all([...fetchers, worker()]);
    if (lost !== null) throw new ListenFailed(lost);
    logger.info('stopped');
    return signals > 1 ? 130 : 0;
  } catch (err) {
    if (err instanceof SettingsProblemsError || err instanceof ListenFailed) throw err;
    if (lost !== null) throw new ListenFailed(lost);
    if (stop.signal.aborted) return 130;
    throw new ListenFailed((err as Error).message);
  } finally {
    clearInterval(statusTimer);
    try {
      writeStatus(false);
    } catch {
      /* state dir gone */
    }
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    metricsServer?.close();
    mo.close();
    queue.close();
    lock.release();
  }
}

/** The listener could not start or went down (MO unreachable at start, …): exit 1 with one line. */
export class ListenFailed extends ExitError {
  constructor(message: string) {
    super(1, `listen: ${message}`);
  }
}
