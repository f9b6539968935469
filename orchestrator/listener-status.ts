/**
 * What `status` shows of `job-runner listen`: the status file the listener rewrites every second
 * (`{state}/listen/status.json`), with `alive` decided here as for the night: the listener's lease
 * (`{state}/listen/listen.lock`, see lease.ts) must be live and held by the process the file names, and the
 * file fresh. A PID alone proves nothing (reused PIDs, another pod's listener).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeHolder, inspectLease } from './lease.js';
import { listenLockPath } from './state-paths.js';

const FRESH_MS = 30_000;

export interface ListenerStatus {
  alive: boolean;
  pid: number;
  owner: string | null;
  listeners: { routing_key: string; uuid: string }[];
  queue_depth: number;
  queue_failing: number;
  oldest_queued_age_s: number | null;
  events_fetched: number;
  events_acked: number;
  night_running: string | null;
  last_error: { at: string; message: string } | null;
  heartbeat: string;
  /** The lease: who holds it (host, PID, start), or why nobody does. */
  lock: { state: 'held' | 'stale' | 'free'; holder: string | null; reason: string | null };
  [k: string]: unknown;
}

export function readListenerStatus(stateDir: string): ListenerStatus | null {
  let data: ListenerStatus;
  try {
    data = JSON.parse(
      fs.readFileSync(path.join(stateDir, 'listen', 'status.json'), 'utf8'),
    ) as ListenerStatus;
  } catch {
    return null;
  }
  const fresh = Date.now() - Date.parse(data.heartbeat) < FRESH_MS;
  const lease = inspectLease(listenLockPath(stateDir));
  const holder = lease.kind === 'free' ? undefined : lease.holder;
  const ours =
    lease.kind === 'held' &&
    (!holder || (holder.pid === data.pid && (typeof data.host !== 'string' || holder.host === data.host)));
  const lock = {
    state: lease.kind,
    holder: holder ? describeHolder(holder) : lease.kind === 'held' ? (lease.note ?? null) : null,
    reason: lease.kind === 'stale' ? lease.reason : null,
  };
  return { ...data, alive: data.alive === true && fresh && ours, lock };
}

export function listenerLines(s: ListenerStatus): string[] {
  const lines = [
    `listener: ${s.alive ? `running (${s.lock.holder ?? `pid ${s.pid}`})` : 'not running'}, owner ${s.owner ?? '?'}, ${s.listeners.length} listeners; ` +
      `queue ${s.queue_depth} target(s)${s.queue_failing ? ` (${s.queue_failing} failing)` : ''}` +
      `${s.oldest_queued_age_s !== null ? `, oldest ${s.oldest_queued_age_s}s` : ''}; ` +
      `events fetched ${s.events_fetched}, acked ${s.events_acked}`,
  ];
  if (!s.alive && s.lock.state === 'held')
    lines.push(
      `listener: the lock is held by ${s.lock.holder ?? 'another process'}, whose status file is missing or old`,
    );
  if (!s.alive && s.lock.state === 'stale')
    lines.push(`listener: its lock is stale (${s.lock.reason}); the next \`listen\` takes it over`);
  if (s.night_running) lines.push(`listener: paused while ${s.night_running} holds the hash cache`);
  if (s.last_error) lines.push(`listener: last error ${s.last_error.at}: ${s.last_error.message}`);
  return lines;
}
