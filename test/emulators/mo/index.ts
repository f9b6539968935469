/**
 * The OS2mo GraphQL emulator (v29 subset) with a Keycloak token endpoint. Start it in-process:
 *
 *   const mo = await startMoEmulator({ size: 'S', auth: { clientId: 'dipex', clientSecret: 's3cret' } });
 *   // settings: mora.base = mo.url, AUTH_SERVER = mo.authServer, AUTH_REALM = 'mo'
 *   await mo.stop();
 *
 * See test/emulators/README.md for the behaviour it copies from real MO.
 */
import { generateFixture } from '../../fixtures/generate.js';
import type { Fixture, FixtureSize, ISODate } from '../../fixtures/types.js';
import type { AuthOptions } from './auth.js';
import type { MoFaults } from './faults.js';
import { MoServer, type MoCounters, type RequestLogEntry } from './server.js';
import type { EventSystem, EventSystemOptions } from './events.js';
import type { MoChanges } from './changes.js';

export type { MoFaults } from './faults.js';
export type { AuthOptions } from './auth.js';
export type { MoCounters, RequestLogEntry } from './server.js';
export { DEFAULT_ACTOR } from './server.js';
export type { EventSystem, EventSystemOptions } from './events.js';
export type { MoChanges } from './changes.js';

export interface MoEmulatorOptions extends MoFaults {
  /** The data to serve; default generateFixture({size, seed}). */
  fixture?: Fixture;
  size?: FixtureSize;
  seed?: number;
  /** MO's "now" (YYYY-MM-DD); default the fixture's `today`. */
  today?: ISODate;
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** Keycloak client credentials the token endpoint accepts; false (default) = no auth. */
  auth?: AuthOptions | false;
  /** GraphQL versions served at /graphql/v{N} (default [29]). */
  versions?: number[];
  /** Largest accepted upload (default 50 MB). */
  maxUploadBytes?: number;
  /** The caller's actor (event owner) when auth is off; null = a token without a uuid claim. With auth, `auth.actorUuid`. */
  actorUuid?: string | null;
  /** The event system: silenced-event mode and generator delay (default 0: events at once). */
  events?: EventSystemOptions;
}

export interface MoEmulator {
  /** `http://127.0.0.1:PORT`: the value for `mora.base`. */
  url: string;
  /** `http://127.0.0.1:PORT/auth`: the value for `AUTH_SERVER` (realm `mo` unless auth.realm says otherwise). */
  authServer: string;
  /** The GraphQL endpoint, `${url}/graphql/v29`. */
  graphqlUrl: string;
  fixture: Fixture;
  /** Live counters (reset() zeroes them). */
  counters: MoCounters;
  /** Operation names and root fields per request; never variables. */
  requestLog: RequestLogEntry[];
  /** Files received by upload_file, by file name. */
  uploads: Map<string, Buffer>;
  /** Replace the injected faults (latency, failure rate, stalls, field errors …). */
  setFaults(faults: MoFaults): void;
  /** A valid bearer token (or, with a negative lifetime, an expired one) without calling the token endpoint. */
  issueToken(expiresInSeconds?: number): string;
  /** Move the token clock forward (tokens issued earlier expire as if that time had passed). */
  advanceClock(seconds: number): void;
  /** Change the signing key: earlier tokens fail with "Signature verification failed". */
  rotateSigningKey(): void;
  /** The event system (listeners, pending rows, clock, lost fetches, stats). */
  events: EventSystem;
  /** Data changes as MO's writers make them, each followed by the generator's events. */
  changes: MoChanges;
  /** MO's date ("now") at the moment. */
  today(): ISODate;
  /** Zero counters and log, drop uploads, clear cached results and faults' per-field call counts. Call after mutating the fixture. */
  reset(): void;
  /** Rebuild indexes after adding or removing fixture objects. */
  reindex(): void;
  stop(): Promise<void>;
}

export async function startMoEmulator(opts: MoEmulatorOptions = {}): Promise<MoEmulator> {
  const fixture = opts.fixture ?? generateFixture({ size: opts.size ?? 'S', seed: opts.seed });
  const {
    latencyMs,
    failureRate,
    seed,
    http502Requests,
    http500Requests,
    garbageRequests,
    stallRequests,
    httpStatusRequests,
    fieldErrors,
    shortPages,
  } = opts;
  const options = {
    fixture,
    now: opts.today ?? fixture.today,
    auth: opts.auth ?? false,
    faults: {
      latencyMs,
      failureRate,
      seed,
      http502Requests,
      http500Requests,
      garbageRequests,
      stallRequests,
      httpStatusRequests,
      fieldErrors,
      shortPages,
    } as MoFaults,
    versions: opts.versions ?? [29],
    maxUploadBytes: opts.maxUploadBytes ?? 50 * 1024 * 1024,
    actorUuid: opts.actorUuid,
    events: opts.events,
  };
  const server = new MoServer(options);
  const host = opts.host ?? '127.0.0.1';
  const port = await server.listen(opts.port ?? 0, host);
  const url = `http://${host}:${port}`;
  return {
    url,
    authServer: `${url}/auth`,
    graphqlUrl: `${url}/graphql/v29`,
    fixture,
    counters: server.counters,
    requestLog: server.requestLog,
    uploads: server.uploads,
    events: server.events,
    changes: server.changes,
    today: () => server.options.now,
    setFaults: (faults) => {
      options.faults = { ...faults };
    },
    issueToken: (expiresInSeconds) => {
      if (!server.issuer) throw new Error('MO emulator: auth is off');
      return server.issuer.sign(expiresInSeconds);
    },
    advanceClock: (seconds) => {
      if (server.issuer) server.issuer.clockOffsetMs += seconds * 1000;
    },
    rotateSigningKey: () => server.issuer?.rotateKey(),
    reset: () => server.reset(),
    reindex: () => server.reindex(),
    stop: () => server.close(),
  };
}

export { startMoEmulatorProcess, type MoEmulatorProcess, type MoProcessOptions } from './process.js';
