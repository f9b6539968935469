/**
 * Harness for `job-runner listen` tests: the MO emulator (fixture S, events at once) and the OS2sync emulator
 * in-process, a CLI sandbox whose state dir already holds a night's hash cache (FK populated), and the built
 * `bin/job-runner listen` spawned on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from '../helpers/harness.js';
import { sandbox, startCli, waitFor, type CliResult, type Sandbox } from '../../cli/spawn-cli.js';
import type { ChildProcess } from 'node:child_process';
import { validityAt } from '../../fixtures/context.js';
import type { Fixture } from '../../fixtures/types.js';

export interface ListenHarness extends Harness {
  sb: Sandbox;
  /**
   * Spawns `job-runner listen`; resolves when its listeners are declared. It is SIGKILLed after
   * `killAfterMs` (default 50 s, the CLI tests' guard): benches running it longer must raise it.
   * `stop()` stops (SIGTERM) and awaits every listener started here that still runs, then the emulators.
   */
  startListen(
    env?: Record<string, string>,
    opts?: { killAfterMs?: number },
  ): Promise<{ child: ChildProcess; done: Promise<CliResult> }>;
  status(): ListenStatusFile | null;
  /** OS2sync mutations (POST/DELETE) since `from`, as `METHOD path uuid`. */
  sends(from?: number): string[];
  /** Persons exported last night with a current engagement under the top unit. */
  exportedPersons(): string[];
}

export interface ListenStatusFile {
  alive: boolean;
  pid: number;
  owner: string | null;
  listeners: { routing_key: string; uuid: string }[];
  queue_depth: number;
  queue_failing: number;
  events_fetched: number;
  events_acked: number;
  targets_synced: number;
  night_running: string | null;
  heartbeat: string;
  last_error: { message: string } | null;
  failing: { kind: string; uuid: string; attempts: number }[];
}

export async function startListenHarness(
  extra: Record<string, unknown> = {},
  fixture?: Fixture,
): Promise<ListenHarness> {
  const h = (await startHarness(fixture ? { fixture } : {})) as ListenHarness;
  const settings = h.settings({
    'listen.idle_poll': '20ms',
    'listen.metrics_port': 0,
    'listen.retry_backoff': '300ms',
    ...extra,
  });
  h.sb = sandbox(settings);
  // last night: FK populated, the hash cache full
  const night = await h.runJob(extra, { stateDir: h.sb.stateDir });
  if (night.result.failed) throw new Error(`priming night failed: ${night.result.message}`);
  h.os2sync.requests.length = 0;
  h.status = () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(h.sb.stateDir, 'listen', 'status.json'), 'utf8'));
    } catch {
      return null;
    }
  };
  const listeners: { child: ChildProcess; done: Promise<CliResult> }[] = [];
  const stopEmulators = h.stop.bind(h);
  h.stop = async () => {
    for (const l of listeners.splice(0)) {
      if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGTERM');
      await l.done;
    }
    await stopEmulators();
  };
  h.startListen = async (env = {}, opts = {}) => {
    const started = startCli(h.sb, ['listen'], env, opts);
    listeners.push(started);
    let exited = false;
    void started.done.then(() => (exited = true));
    await waitFor(() => exited || (h.status()?.alive === true && h.status()!.listeners.length === 8), 45_000);
    return started;
  };
  h.sends = (from = 0) =>
    h.os2sync.requests
      .slice(from)
      .filter((r) => r.method !== 'GET')
      .map(
        (r) =>
          `${r.method} ${r.path.replace(/\/[0-9a-f-]{36}$/i, '')} ${(r.path.match(/[0-9a-f-]{36}$/i)?.[0] ?? (r.body as { Uuid?: string })?.Uuid ?? '').toLowerCase()}`,
      );
  h.exportedPersons = () =>
    [...h.os2sync.state.users.values()]
      .filter((u) => u.status === 'active')
      .map((u) => u.record.Uuid)
      .filter((uuid) =>
        h.fixture.persons.some((p) => p.uuid === uuid && validityAt(p.validities, h.fixture.today)),
      )
      .sort();
  return h;
}

export { waitFor };
