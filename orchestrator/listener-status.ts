/**
 * What `status` shows of `job-runner listen`: the status file the listener rewrites every second
 * (`{state}/listen/status.json`), with `alive` decided here from its PID and heartbeat.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from './lock.js';

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
  return { ...data, alive: data.alive === true && fresh && pidAlive(data.pid) };
}

export function listenerLines(s: ListenerStatus): string[] {
  const lines = [
    `listener: ${s.alive ? `running (pid ${s.pid})` : 'not running'}, owner ${s.owner ?? '?'}, ${s.listeners.length} listeners; ` +
      `queue ${s.queue_depth} target(s)${s.queue_failing ? ` (${s.queue_failing} failing)` : ''}` +
      `${s.oldest_queued_age_s !== null ? `, oldest ${s.oldest_queued_age_s}s` : ''}; ` +
      `events fetched ${s.events_fetched}, acked ${s.events_acked}`,
  ];
  if (s.night_running) lines.push(`listener: paused while ${s.night_running} holds the hash cache`);
  if (s.last_error) lines.push(`listener: last error ${s.last_error.at}: ${s.last_error.message}`);
  return lines;
}
