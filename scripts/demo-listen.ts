/**
 * The live part of `npm run demo`: after the night, `bin/job-runner listen` runs on the demo settings; the
 * demo changes a person's name in the MO emulator and prints the OS2sync request that followed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MoEmulator } from '../test/emulators/mo/index.js';
import type { Os2syncEmulator } from '../test/emulators/os2sync/server.js';

const until = async (cond: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`demo listen: ${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export async function demoListen(opts: {
  root: string;
  settingsFile: string;
  stateDir: string;
  env: Record<string, string | undefined>;
  mo: MoEmulator;
  os2sync: Os2syncEmulator;
  out: (line: string) => void;
}): Promise<void> {
  const { mo, os2sync, out } = opts;
  const statusFile = path.join(opts.stateDir, 'listen', 'status.json');
  fs.rmSync(statusFile, { force: true });
  const child = spawn(
    process.execPath,
    [path.join(opts.root, 'bin', 'job-runner'), '--settings', opts.settingsFile, 'listen'],
    {
      env: { ...opts.env, LISTEN_METRICS_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    const status = (): { alive?: boolean; listeners?: unknown[] } => {
      try {
        return JSON.parse(fs.readFileSync(statusFile, 'utf8'));
      } catch {
        return {};
      }
    };
    await until(() => status().listeners?.length === 8 || child.exitCode !== null, 30_000, 'listen start');
    if (child.exitCode !== null) throw new Error(`listen exited ${child.exitCode}: ${stderr.trim()}`);
    out(`demo: job-runner listen runs (pid ${child.pid}); changing a person's name in MO …`);
    const exported = [...os2sync.state.users.values()].find((u) => u.status === 'active')!.record.Uuid;
    const before = os2sync.requests.length;
    const t0 = Date.now();
    mo.changes.update('persons', exported, { given_name: 'Anders', surname: 'And-Live' });
    const isSend = () =>
      os2sync.requests
        .slice(before)
        .find((r) => r.method === 'POST' && (r.body as { Uuid?: string }).Uuid === exported);
    await until(() => isSend() !== undefined, 30_000, 'the OS2sync request');
    const req = isSend()!;
    const body = req.body as { Uuid: string; UserId: string; Person: { Name: string } };
    out(
      `demo: ${Date.now() - t0} ms later OS2sync got POST ${req.path} (HTTP ${req.status}): Uuid ${body.Uuid}, UserId ${body.UserId}, Person.Name "${body.Person.Name}"`,
    );
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    out(`demo: job-runner listen stopped (exit ${code})`);
  }
}
