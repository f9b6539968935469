import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { gql } from './test-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'cli.ts');

function run(args: string[]): {
  firstLine: Promise<string>;
  exit: Promise<number | null>;
  kill: () => void;
  stderr: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.on('exit', () => reject(new Error(`exited: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { firstLine, exit, kill: () => child.kill('SIGTERM'), stderr: () => err };
}

describe('MO emulator CLI', function () {
  this.timeout(60000);

  it('prints the base URL first, serves GraphQL with auth, and stops on SIGTERM', async () => {
    const p = run(['--size', 'S', '--port', '0', '--client-id', 'c', '--client-secret', 's']);
    try {
      const url = await p.firstLine;
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const reply = await gql(`${url}/graphql/v29`, '{ org { uuid } }');
      expect(reply.body.errors[0].message).to.equal('Not authenticated');
    } finally {
      p.kill();
    }
    expect(await p.exit).to.equal(0);
  });

  it('exits non-zero with a one-line message on a bad size', async () => {
    const p = run(['--size', 'XL']);
    const code = await p.exit;
    expect(code).to.not.equal(0);
    expect(p.stderr()).to.match(/--size must be S, M or L/);
  });
});
