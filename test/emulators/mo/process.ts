/**
 * The MO emulator in a child process (the CLI), for benchmarks: the emulator's CPU and memory (fixture L
 * holds ~300 MB) then do not count against the process being measured. Controlled over HTTP
 * (`/_emulator/...`, see server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixtureSize, ISODate } from '../../fixtures/types.js';
import type { MoCounters } from './server.js';
import type { MoFaults } from './faults.js';

export interface MoProcessOptions {
  size?: FixtureSize;
  seed?: number;
  today?: ISODate;
  dirty?: boolean;
  auth?: { clientId: string; clientSecret: string; tokenLifetimeSeconds?: number } | false;
  latencyMs?: number;
  failureRate?: number;
  /** How long to wait for the child to print its URL (default 120 s: fixture L takes a while on a busy machine). */
  startTimeoutMs?: number;
}

export interface MoEmulatorProcess {
  url: string;
  authServer: string;
  graphqlUrl: string;
  pid: number;
  counters(): Promise<MoCounters>;
  setFaults(faults: MoFaults): Promise<void>;
  reset(): Promise<void>;
  /** mutatePersons in the child (then reset); returns the changed persons' UUIDs. */
  mutatePersons(fraction: number, seed?: number): Promise<string[]>;
  upload(name: string): Promise<Buffer | null>;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function cliCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource ? ['--import', 'tsx', path.join(here, 'cli.ts')] : [path.join(here, 'cli.js')];
}

export async function startMoEmulatorProcess(opts: MoProcessOptions = {}): Promise<MoEmulatorProcess> {
  const args = ['--size', opts.size ?? 'S', '--seed', String(opts.seed ?? 1), '--port', '0'];
  if (opts.today) args.push('--today', opts.today);
  if (opts.dirty) args.push('--dirty');
  if (opts.auth) {
    args.push('--client-id', opts.auth.clientId, '--client-secret', opts.auth.clientSecret);
    args.push('--token-lifetime', String(opts.auth.tokenLifetimeSeconds ?? 300));
  }
  if (opts.latencyMs) args.push('--latency', String(opts.latencyMs));
  if (opts.failureRate) args.push('--failure-rate', String(opts.failureRate));
  const child: ChildProcess = spawn(process.execPath, [...cliCommand(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('MO emulator process did not start in time'));
    }, opts.startTimeoutMs ?? 120000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `MO emulator process exited with ${String(code)}: ${stderr.trim().split('\n').pop() ?? ''}`,
        ),
      );
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const call = async (method: string, p: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${url}/_emulator/${p}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok && res.status !== 404) throw new Error(`MO emulator ${p}: HTTP ${res.status}`);
    return res;
  };
  return {
    url,
    authServer: `${url}/auth`,
    graphqlUrl: `${url}/graphql/v29`,
    pid: child.pid as number,
    counters: async () => (await (await call('GET', 'counters')).json()) as MoCounters,
    setFaults: async (faults) => void (await call('POST', 'faults', faults)),
    reset: async () => void (await call('POST', 'reset')),
    mutatePersons: async (fraction, seed) =>
      ((await (await call('POST', 'mutate-persons', { fraction, seed })).json()) as { changed: string[] })
        .changed,
    upload: async (name) => {
      const res = await call('GET', `uploads/${encodeURIComponent(name)}`);
      return res.status === 404 ? null : Buffer.from(await res.arrayBuffer());
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
