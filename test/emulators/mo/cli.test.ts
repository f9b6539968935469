import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startMoEmulatorProcess } from './index.js';
import { gql } from './test-client.js';
import { nodeEntry } from '../../helpers/node-entry.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'cli.ts');

function run(args: string[]): {
  firstLine: Promise<string>;
  exit: Promise<number | null>;
  kill: () => void;
  stderr: () => string;
} {
  const child = spawn(process.execPath, [...nodeEntry(cli), ...args], {
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
    expect(p.stderr()).to.match(/--size must be S, M, L or 2xL/);
  });

  it('startMoEmulatorProcess: a child process controlled over HTTP (counters, faults, mutatePersons, reset)', async () => {
    const mo = await startMoEmulatorProcess({ size: 'S', seed: 2, today: '2026-11-23' });
    try {
      const q = '{ persons(limit: 500) { objects { uuid current { surname } } } }';
      const before = await gql(mo.graphqlUrl, q);
      expect(before.body.data.persons.objects).to.have.length(300);
      expect((await mo.counters()).byField.persons).to.equal(1);
      const changed = await mo.mutatePersons(0.01, 3);
      expect(changed).to.have.length(3);
      expect((await mo.counters()).total).to.equal(0);
      const after = await gql(mo.graphqlUrl, q);
      const surname = (body: typeof before.body, uuid: string): string =>
        body.data.persons.objects.find((o: { uuid: string }) => o.uuid === uuid).current.surname;
      for (const uuid of changed) expect(surname(after.body, uuid)).to.not.equal(surname(before.body, uuid));
      await mo.setFaults({ http502Requests: [2] });
      expect((await gql(mo.graphqlUrl, '{ org { uuid } }')).status).to.equal(502);
      expect(await mo.upload('nothing.csv')).to.equal(null);
    } finally {
      await mo.stop();
    }
  });
});
