/**
 * Run the MO emulator as a process:
 *   node dist/test/emulators/mo/cli.js --size S --port 0 [--client-id dipex --client-secret s3cret]
 * The first line printed is the base URL (mora.base); the process runs until SIGINT/SIGTERM.
 */
import { Command, InvalidArgumentError } from 'commander';
import { generateFixture } from '../../fixtures/generate.js';
import type { FixtureSize } from '../../fixtures/types.js';
import { startMoEmulator } from './index.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const program = new Command('mo-emulator')
  .description('OS2mo GraphQL v29 emulator with a Keycloak token endpoint, serving a synthetic municipality')
  .option('--size <size>', 'fixture size: S, M, L or 2xL', 'S')
  .option('--seed <n>', 'fixture seed', int('--seed'), 1)
  .option('--today <date>', "MO's now, YYYY-MM-DD (default: today)")
  .option('--dirty', 'include dirty-data cases in the fixture', false)
  .option('--port <n>', 'port, 0 = free', int('--port'), 0)
  .option('--host <host>', 'interface', '127.0.0.1')
  .option('--client-id <id>', 'enable auth: the accepted Keycloak client id')
  .option('--client-secret <secret>', 'the accepted client secret')
  .option('--token-lifetime <s>', 'token lifetime in seconds', int('--token-lifetime'), 300)
  .option('--latency <ms>', 'delay every GraphQL answer', int('--latency'), 0)
  .option('--failure-rate <p>', 'fraction of requests answered with HTTP 502', parseFloat, 0);

program.parse();
const o = program.opts<{
  size: string;
  seed: number;
  today?: string;
  dirty: boolean;
  port: number;
  host: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetime: number;
  latency: number;
  failureRate: number;
}>();
if (!['S', 'M', 'L', '2xL'].includes(o.size)) program.error('--size must be S, M, L or 2xL');
if (o.clientId && !o.clientSecret) program.error('--client-secret is required with --client-id');

const fixture = generateFixture({
  size: o.size as FixtureSize,
  seed: o.seed,
  today: o.today,
  dirty: o.dirty,
});
const mo = await startMoEmulator({
  fixture,
  port: o.port,
  host: o.host,
  auth: o.clientId
    ? { clientId: o.clientId, clientSecret: o.clientSecret as string, tokenLifetimeSeconds: o.tokenLifetime }
    : false,
  latencyMs: o.latency,
  failureRate: o.failureRate,
});
console.log(mo.url);
console.log(`graphql: ${mo.graphqlUrl}`);
console.log(o.clientId ? `auth: ${mo.authServer} (realm mo, client ${o.clientId})` : 'auth: off');
console.log(
  `fixture: size ${o.size}, seed ${o.seed}, today ${fixture.today}, ${fixture.org_units.length} units, ${fixture.persons.length} persons`,
);
const stop = (): void => {
  void mo.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
