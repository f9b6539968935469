import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openHistory } from '../../orchestrator/history.js';
import { makeTempDir } from '../helpers/job-context.js';
import { nodeEntry } from '../helpers/node-entry.js';

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job-runner schedule as a process', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('jr-daemon-');
    fs.chmodSync(dir, 0o700);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM during a night: the night is cancelled cleanly, the daemon exits 0, no heartbeat left', async () => {
    const marker = path.join(dir, 'night-started');
    const settingsFile = path.join(dir, 'settings.json');
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({
        'runner.state_dir': path.join(dir, 'var'),
        'runner.schedule': '* * * * * *',
        'runner.catch_up': 0,
        'runner.kill_grace': '1s',
        'runner.jobs': { slow: { stage: 'export', command: `touch ${marker}; sleep 30` } },
      }),
      { mode: 0o600 },
    );
    const child = spawn(
      process.execPath,
      [...nodeEntry('orchestrator/cli.ts'), 'schedule', '--settings', settingsFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CUSTOMER_SETTINGS: '' },
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => fs.existsSync(marker), 15_000);
      child.kill('SIGTERM');
      const code = await exited;
      expect(code, output).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(output).to.contain('schedule: stopping; cancelling the running night');
    expect(output).to.contain('schedule: stopped');
    const history = openHistory(path.join(dir, 'var', 'history.sqlite'), { readonly: true });
    try {
      const run = history.lastRun();
      expect(run?.trigger).to.equal('schedule');
      expect(run?.status).to.equal('cancelled');
      expect(
        history
          .jobsOfRun(run!.id)
          .filter((j) => j.status !== 'disabled')
          .map((j) => [j.name, j.status]),
      ).to.deep.equal([['slow', 'cancelled']]);
      expect(history.getHeartbeat()?.nextRunAt).to.equal(null);
    } finally {
      history.close();
    }
  });
});
