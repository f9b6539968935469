/** Spawns the built `bin/job-runner` on a temporary settings file (tests need `npm run build` first). */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/job-context.js';

/** The repository root (nearest package.json above), also when this module runs from dist/ (benches). */
export const repo = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
export const bin = path.join(repo, 'bin', 'job-runner');

export interface Sandbox {
  dir: string;
  settingsFile: string;
  stateDir: string;
  write(settings: Record<string, unknown>): void;
}

/** A 0700 temp dir with settings.json (0600) whose runner.state_dir is `{dir}/var`. */
export function sandbox(settings: Record<string, unknown> = {}): Sandbox {
  const dir = makeTempDir('jr-cli-');
  fs.chmodSync(dir, 0o700);
  const settingsFile = path.join(dir, 'settings.json');
  const stateDir = path.join(dir, 'var');
  const write = (s: Record<string, unknown>) =>
    fs.writeFileSync(settingsFile, JSON.stringify({ 'runner.state_dir': stateDir, ...s }, null, 2), {
      mode: 0o600,
    });
  write(settings);
  return { dir, settingsFile, stateDir, write };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(
  sb: Sandbox,
  args: string[],
  env: Record<string, string> = {},
  opts: { killAfterMs?: number } = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const baseEnv = { ...process.env };
  delete baseEnv.CUSTOMER_SETTINGS;
  const child = spawn(process.execPath, [bin, '--settings', sb.settingsFile, ...args], {
    cwd: sb.dir,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // A hung CLI must never outlive the test run: SIGKILL after 50 s (tests' own timeouts are shorter;
  // benches running a daemon for minutes raise it).
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 50_000);
  guard.unref();
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

export function cli(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(sb, args, env).done;
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { pidAlive } from '../../orchestrator/lock.js';
