import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  GraphQLError,
  Kind,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';
import { handleAdmin } from './admin.js';
import { readBody } from './read-body.js';
import type { Fixture, ISODate } from '../../fixtures/types.js';
import { TokenIssuer, type AuthOptions } from './auth.js';
import { requestFault, type MoFaults } from './faults.js';
import { parseMultipart } from './multipart.js';
import type { RequestContext } from './resolve-helpers.js';
import { emulatorSchema } from './schema.js';
import { Store, type AnyObject } from './store.js';
import { moChanges, type MoChanges } from './changes.js';
import { EventSystem, NO_UUID_CLAIM_OWNER, UNKNOWN_ACTOR, type EventSystemOptions } from './events.js';

/** The actor of requests when auth is off (no middleware in the emulator: a fixed integration UUID). */
export const DEFAULT_ACTOR = 'a11ce000-0b5e-4e7e-9000-00000000f00d';

export interface MoCounters {
  /** GraphQL POSTs received (any version, any outcome). */
  total: number;
  /** Executions per root field (`org_units`, `persons`, …), counted after auth and validation. */
  byField: Record<string, number>;
  /** Answers per HTTP status. */
  byStatus: Record<number, number>;
  /** Tokens issued by the token endpoint. */
  tokens: number;
}

export interface RequestLogEntry {
  n: number;
  operationName: string | null;
  rootFields: string[];
  status: number;
  /** What happened: ok, graphql-error, unauthenticated, invalid, fault:<kind>. */
  outcome: string;
}

export interface ServerOptions {
  fixture: Fixture;
  now: ISODate;
  auth: AuthOptions | false;
  faults: MoFaults;
  versions: number[];
  maxUploadBytes: number;
  /** Event owner of requests without auth (default DEFAULT_ACTOR; null = a token without a uuid claim). */
  actorUuid?: string | null;
  events?: EventSystemOptions;
}

const json = (res: http.ServerResponse, status: number, body: unknown, counters: MoCounters): void => {
  counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Distinct query texts whose parsed and validated documents are kept (oldest dropped first). */
const DOCUMENT_CACHE_SIZE = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Root fields of the operation, by response key (alias or name), with their locations. */
function rootSelections(
  op: OperationDefinitionNode | null | undefined,
): Array<{ key: string; name: string; loc?: { line: number; column: number } }> {
  if (!op) return [];
  return op.selectionSet.selections.flatMap((s) => {
    if (s.kind !== Kind.FIELD) return [];
    const loc = s.loc ? { line: s.loc.startToken.line, column: s.loc.startToken.column } : undefined;
    return [{ key: s.alias?.value ?? s.name.value, name: s.name.value, loc }];
  });
}

export class MoServer {
  readonly counters: MoCounters = { total: 0, byField: {}, byStatus: {}, tokens: 0 };
  readonly requestLog: RequestLogEntry[] = [];
  readonly uploads = new Map<string, Buffer>();
  readonly issuer: TokenIssuer | null;
  store: Store;
  readonly events: EventSystem;
  readonly changes: MoChanges;
  private readonly rootCache = new Map<string, AnyObject[]>();
  private readonly fieldCalls = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly documents = new Map<
    string,
    { document: DocumentNode; errors: readonly GraphQLError[] } | { parseError: GraphQLError }
  >();
  private readonly server: http.Server;

  constructor(readonly options: ServerOptions) {
    emulatorSchema(); // build (and check) the schema before the first request
    this.store = new Store(options.fixture, options.now);
    this.issuer = options.auth ? new TokenIssuer(options.auth) : null;
    this.events = new EventSystem(options.events);
    this.changes = moChanges(this);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        if (!res.headersSent) json(res, 500, { detail: e.message }, this.counters);
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.events.stop();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Forget counters, log, uploads, cached result lists and per-field call counts. */
  reset(): void {
    Object.assign(this.counters, { total: 0, byField: {}, byStatus: {}, tokens: 0 });
    this.requestLog.length = 0;
    this.uploads.clear();
    this.rootCache.clear();
    this.fieldCalls.clear();
  }

  /** Rebuild the indexes after objects were added to or removed from the fixture. */
  reindex(): void {
    this.store = new Store(this.options.fixture, this.options.now);
    this.rootCache.clear();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.pathname.match(/^\/auth\/realms\/([^/]+)\/protocol\/openid-connect\/token$/);
    if (token && req.method === 'POST') return this.handleToken(token[1] as string, req, res);
    if (url.pathname.startsWith('/_emulator/')) return handleAdmin(this, url.pathname, req, res);
    // MO's testing API (insecure_enable_testing_api): reset back-off, run the generator now
    if (req.method === 'POST' && url.pathname === '/testing/events/reset-last-tried') {
      this.events.resetLastTried();
      return json(res, 200, null, this.counters);
    }
    if (req.method === 'POST' && url.pathname === '/testing/amqp/emit') {
      this.events.runGenerator();
      return json(res, 200, null, this.counters);
    }
    const exported = url.pathname.match(/^\/service\/exports\/([^/]+)$/);
    if (exported && req.method === 'GET')
      return this.handleExportDownload(decodeURIComponent(exported[1] as string), req, res);
    const gql = url.pathname.match(/^\/graphql\/v(\d+)\/?$/);
    if (!gql) return json(res, 404, { detail: 'Not Found' }, this.counters);
    if (req.method !== 'POST') return json(res, 405, { detail: 'Method Not Allowed' }, this.counters);
    const n = ++this.counters.total;
    if (!this.options.versions.includes(Number(gql[1]))) {
      return json(res, 404, { detail: `GraphQL version v${gql[1]} does not exist` }, this.counters);
    }
    const faults = this.options.faults;
    const fault = requestFault(faults, n);
    const log = (
      status: number,
      outcome: string,
      operationName: string | null = null,
      rootFields: string[] = [],
    ): void => {
      this.requestLog.push({ n, operationName, rootFields, status, outcome });
    };
    if (fault === 'stall') {
      log(0, 'fault:stall');
      req.resume();
      return; // never answered; the socket is destroyed on stop()
    }
    if (faults.latencyMs) await sleep(faults.latencyMs);
    if (fault && typeof fault === 'object') {
      req.resume();
      log(fault.status, `fault:http${fault.status}`);
      return json(res, fault.status, { detail: `Injected HTTP ${fault.status}` }, this.counters);
    }
    if (fault === 'http502' || fault === 'http500') {
      req.resume();
      const status = fault === 'http502' ? 502 : 500;
      this.counters.byStatus[status] = (this.counters.byStatus[status] ?? 0) + 1;
      log(status, `fault:${fault}`);
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(
        `<html><body><h1>${status} ${status === 502 ? 'Bad Gateway' : 'Internal Server Error'}</h1></body></html>`,
      );
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = (req.headers['content-type'] ?? '').startsWith('multipart/form-data')
        ? await parseMultipart(req, this.options.maxUploadBytes)
        : (JSON.parse(await readBody(req)) as Record<string, unknown>);
      if (typeof body !== 'object' || body === null || typeof body.query !== 'string')
        throw new Error('the body must be a JSON object with a query string');
    } catch (e) {
      log(400, 'invalid');
      return json(
        res,
        400,
        { detail: `Unable to parse request body: ${(e as Error).message}` },
        this.counters,
      );
    }
    if (fault === 'garbage') {
      log(200, 'fault:garbage');
      this.counters.byStatus[200] = (this.counters.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": {"org_units": {"objects": [ <html>upstream garbage');
      return;
    }
    const requested = typeof body.operationName === 'string' ? body.operationName : null;
    const checked = this.checkedDocument(body.query as string);
    if ('parseError' in checked) {
      log(200, 'invalid', requested);
      return json(res, 200, { data: null, errors: [checked.parseError.toJSON()] }, this.counters);
    }
    const { document, errors } = checked;
    const op = getOperationAST(document, requested ?? undefined);
    const operationName = requested ?? op?.name?.value ?? null;
    const roots = rootSelections(op);
    const rootNames = roots.map((r) => r.name);
    if (errors.length > 0) {
      log(200, 'invalid', operationName, rootNames);
      return json(res, 200, { data: null, errors: errors.map((e) => e.toJSON()) }, this.counters);
    }
    // the caller's actor: the token's uuid claim; without one MO owns listeners as face1e55-… and
    // `me.actor.uuid` answers ffffffff-…
    let claim: unknown = this.options.actorUuid === undefined ? DEFAULT_ACTOR : this.options.actorUuid;
    if (this.issuer) {
      const check = this.issuer.check(req.headers.authorization);
      if (check.ok) claim = check.uuid;
      if (!check.ok) {
        log(200, 'unauthenticated', operationName, rootNames);
        const errors = roots.map((r) => ({
          message: check.message,
          locations: r.loc ? [r.loc] : [],
          path: [r.key],
        }));
        return json(res, 200, { data: null, errors }, this.counters);
      }
    }
    for (const name of rootNames) this.counters.byField[name] = (this.counters.byField[name] ?? 0) + 1;
    let ctx: RequestContext;
    const result = await execute({
      schema: emulatorSchema(),
      document,
      operationName: requested ?? undefined,
      variableValues: (body.variables as Record<string, unknown> | undefined) ?? undefined,
      contextValue: (ctx = this.context(typeof claim === 'string' ? claim : null)),
    });
    if (ctx.dropResponse) {
      log(0, 'fault:lost-response', operationName, rootNames);
      res.destroy();
      return;
    }
    log(200, result.errors?.length ? 'graphql-error' : 'ok', operationName, rootNames);
    json(
      res,
      200,
      {
        data: result.data ?? null,
        ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
      },
      this.counters,
    );
  }

  /**
   * The parsed and validated document of a query text. Clients send the same few documents over and over
   * (a listener burst: ~40,000 requests), and parse + validate against the v29 schema cost more than executing
   * them, on cores the bench shares with the listener; so each text is checked once (a bounded map).
   */
  private checkedDocument(
    query: string,
  ): { document: DocumentNode; errors: readonly GraphQLError[] } | { parseError: GraphQLError } {
    const hit = this.documents.get(query);
    if (hit) return hit;
    let checked: { document: DocumentNode; errors: readonly GraphQLError[] } | { parseError: GraphQLError };
    try {
      const document = parse(query);
      checked = { document, errors: validate(emulatorSchema(), document) };
    } catch (e) {
      checked = { parseError: e as GraphQLError };
    }
    if (this.documents.size >= DOCUMENT_CACHE_SIZE)
      this.documents.delete(this.documents.keys().next().value as string);
    this.documents.set(query, checked);
    return checked;
  }

  private context(actor: string | null): RequestContext {
    return {
      events: this.events,
      owner: actor ?? NO_UUID_CLAIM_OWNER,
      actorUuid: actor ?? UNKNOWN_ACTOR,
      store: this.store,
      now: this.options.now,
      memo: new Map(),
      rootCache: this.rootCache,
      uploads: this.uploads,
      shortPages: this.options.faults.shortPages === true,
      onRootField: (field) => {
        const call = (this.fieldCalls.get(field) ?? 0) + 1;
        this.fieldCalls.set(field, call);
        const hit = this.options.faults.fieldErrors?.find(
          (f) => f.field === field && (f.call === undefined || f.call === call),
        );
        if (hit) throw new Error(hit.message ?? `Injected error on ${field} (call ${call})`);
      },
    };
  }

  /** MO serves files uploaded to the EXPORTS store at /service/exports/{name} (bearer token when auth is on). */
  private handleExportDownload(name: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.issuer && !this.issuer.check(req.headers.authorization).ok) {
      return json(res, 401, { status: 401, msg: 'Not authenticated' }, this.counters);
    }
    const file = this.uploads.get(name);
    if (!file)
      return json(res, 404, { error: 'FileNotFound', description: `File ${name} not found` }, this.counters);
    this.counters.byStatus[200] = (this.counters.byStatus[200] ?? 0) + 1;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    });
    res.end(file);
  }

  private async handleToken(
    realm: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    if (!this.issuer)
      return json(res, 404, { error: 'Authentication is not enabled on this emulator' }, this.counters);
    if (realm !== this.issuer.realm) return json(res, 404, { error: 'Realm does not exist' }, this.counters);
    const access = this.issuer.grant(form, req.headers.authorization);
    if (!access) {
      return json(
        res,
        401,
        { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' },
        this.counters,
      );
    }
    this.counters.tokens += 1;
    json(
      res,
      200,
      {
        access_token: access,
        expires_in: this.issuer.lifetime,
        refresh_expires_in: 0,
        token_type: 'Bearer',
        'not-before-policy': 0,
        scope: 'email profile',
      },
      this.counters,
    );
  }
}
