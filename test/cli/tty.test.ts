import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { bin, sandbox, type Sandbox } from './spawn-cli.js';

/** Runs the CLI on a pseudo-terminal of 80 columns (util-linux `script`), as an operator's shell would. */
function onTty(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<string> {
  const base = { ...process.env };
  delete base.CUSTOMER_SETTINGS;
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const quoted = [process.execPath, bin, '--settings', sb.settingsFile, ...args]
    .map((a) => `'${a}'`)
    .join(' ');
  const child = spawn('script', ['-qfec', `stty cols 80; ${quoted}`, '/dev/null'], {
    cwd: sb.dir,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('close', () => resolve(out)));
}

const ESC = '\x1b[';

describe('on a terminal (pseudo-terminal)', function () {
  this.timeout(60_000);

  it('colours a run on a TTY, not with NO_COLOR; list fits the 80 columns', async () => {
    const sb = sandbox({
      'runner.jobs': {
        a_job_with_a_rather_long_name: { stage: 'prepare', command: 'echo one' },
        other: {
          stage: 'export',
          command: 'echo two',
          needs: ['a_job_with_a_rather_long_name'],
        },
      },
    });
    const coloured = await onTty(sb, ['run']);
    expect(coloured).to.contain(`${ESC}32minfo${ESC}39m`);
    expect(coloured).to.match(/succeeded/);
    const plain = await onTty(sb, ['run'], { NO_COLOR: '1' });
    expect(plain).to.match(/\d\d:\d\d:\d\d info \[other\] /);
    expect(plain).not.to.contain(`${ESC}32m`);
    const list = await onTty(sb, ['list'], { NO_COLOR: '1' });
    const lines = list.replace(/\r/g, '').trimEnd().split('\n');
    expect(lines[0]).to.match(/^JOB +STAGE +ENABLED +NEEDS +TOGGLE$/);
    for (const l of lines) expect(l.length, l).to.be.at.most(80);
    expect(lines.length).to.be.greaterThan(10);
  });
});
