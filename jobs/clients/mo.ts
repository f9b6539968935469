/**
 * The OS2mo GraphQL client every MO-reading job uses: Keycloak auth, paging, retries, bounded concurrency,
 * and one-line errors that never carry the variables (they can hold CPR numbers). See docs/mo-client.md.
 */
import pLimit from 'p-limit';
import type { Logger } from 'winston';
import type { AxiosInstance } from 'axios';
import { SettingsError, type Settings } from '../../orchestrator/settings-store.js';
import type { GqlDocument } from './gql.js';
import {
  RetryableError,
  createHttpClient,
  isRetryableStatus,
  oneLine,
  requestBytes,
  requestWithDeadline,
  retryAfterMs,
  scrub,
  statusText,
  withRetry,
  type RetryPolicy,
} from './http.js';
import { createTokenProvider, type TokenProvider } from './token.js';
import * as s from './mo-settings.js';
import { uploadFileMutation } from './queries.js';

export { moClientSettings } from './mo-settings.js';

export interface MoClientOptions {
  settings: Settings;
  env: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  signal?: AbortSignal;
  /** Overrides `mora.max_in_flight`. */
  maxInFlight?: number;
}

export interface MoClient {
  /** Runs one document and returns its `data`. */
  query<T>(doc: GqlDocument, variables?: Record<string, unknown>): Promise<T>;
  /**
   * Pages through a document that takes `$limit` and `$cursor` and has exactly one root field returning
   * `{ objects, page_info { next_cursor } }`; yields each non-empty page's objects.
   */
  paged<T>(
    doc: GqlDocument,
    variables?: Record<string, unknown>,
    opts?: { pageSize?: number },
  ): AsyncIterable<T[]>;
  /**
   * `paged` for a consumer that parses the pages itself (on another thread): yields each page's response body as
   * MO sent it (UTF-8 bytes, never decoded here), empty pages included. When the document selects
   * `page_info { next_cursor }` before `objects` and the answer has no `errors`, only the head of the body is read
   * for the cursor; any other answer is decoded, parsed and checked as by `query`.
   */
  pagedBytes(
    doc: GqlDocument,
    variables?: Record<string, unknown>,
    opts?: { pageSize?: number },
  ): AsyncIterable<Buffer>;
  /** Uploads a file to MO's EXPORTS file store (overwriting a file of the same name). */
  uploadFile(fileName: string, content: Buffer, opts?: { force?: boolean }): Promise<void>;
  /** HTTP requests sent to MO so far (retries included, token requests excluded). */
  readonly requestCount: number;
  /** Token requests sent to Keycloak so far. */
  readonly tokenRequestCount: number;
  /** `{mora.base}/graphql/v{version}` */
  readonly endpoint: string;
  /** Closes pooled connections. */
  close(): void;
}

/** A MO request failed; `message` is one line: operation name and HTTP status or first GraphQL error. */
export class MoError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MoError';
  }
}

/** What real MO answers (HTTP 200, data null) for a missing, invalid or expired token. */
const AUTH_ERRORS = /^(Not authenticated|Signature verification failed|Signature has expired)/i;

type GqlBody = { data?: unknown; errors?: { message?: unknown }[] };
/** `raw`: the body as received (bytes when peeked, text otherwise). */
type Sent = { kind: 'data'; data: unknown; raw: string | Buffer } | { kind: 'auth'; message: string };
type Answer = { data: unknown; raw: string | Buffer };
/** Reads a 2xx answer's bytes without decoding or parsing them all; undefined: decode, parse and check in full. */
type Peek = (body: Buffer) => unknown;
type BodyFactory = () => { data: unknown; headers: Record<string, string> };

export function moEndpoint(settings: Settings): string {
  return `${settings.value(s.moBase).replace(/\/+$/, '')}/graphql/v${settings.value(s.moGraphqlVersion)}`;
}

export function moRetryPolicy(settings: Settings): RetryPolicy {
  return {
    maxAttempts: settings.value(s.moRetryMaxAttempts),
    maxTimeMs: settings.value(s.moRetryMaxTime),
    baseDelayMs: settings.value(s.moRetryBaseDelay),
    maxDelayMs: settings.value(s.moRetryMaxDelay),
  };
}

export function createMoClient(opts: MoClientOptions): MoClient {
  const { settings, logger, signal } = opts;
  const endpoint = moEndpoint(settings);
  const timeoutMs = settings.value(s.moTimeout);
  const pageSize = settings.value(s.moPageSize);
  const maxInFlight = opts.maxInFlight ?? settings.value(s.moMaxInFlight);
  const policy = moRetryPolicy(settings);
  const http = createHttpClient({ caVerify: settings.value(s.moCaVerify), maxSockets: maxInFlight + 1 });
  const tokens = makeTokenProvider(opts, http, timeoutMs, policy);
  const limit = pLimit(maxInFlight);
  let requests = 0;

  async function postOnce(
    op: string,
    body: BodyFactory,
    variables: unknown,
    token?: string,
    peek?: Peek,
  ): Promise<Sent> {
    requests++;
    const { data, headers } = body();
    const allHeaders = {
      Accept: 'application/json',
      ...headers,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    };
    let res: { status: number; statusText?: string; headers: Record<string, unknown>; data: unknown };
    try {
      // JSON documents (every query) through node:http, read as bytes; the file upload's form through axios
      res =
        typeof data === 'string'
          ? await requestBytes(http, 'POST', endpoint, data, allHeaders, timeoutMs, signal)
          : await requestWithDeadline(
              http,
              { method: 'POST', url: endpoint, data, headers: allHeaders },
              timeoutMs,
              signal,
            );
    } catch (err) {
      const e = err as Error & { retryable?: boolean };
      if (e.name === 'AbortedError') throw new MoError(`${op}: ${e.message}`);
      throw new RetryableError(
        new MoError(`${op}: ${e.message}`),
        e.name === 'RequestTimeoutError' || !!e.retryable,
      );
    }
    if (Buffer.isBuffer(res.data)) {
      const bytes: Buffer = res.data;
      const data = peek && res.status < 300 ? peek(bytes) : undefined;
      if (data !== undefined) return { kind: 'data', data, raw: bytes };
      res = { ...res, data: bytes.toString('utf8') };
    }
    if (res.status === 401) return { kind: 'auth', message: statusText(res) };
    const parsed = parseBody(res.data);
    if (res.status >= 400) {
      const first = parsed ? firstError(parsed, variables) : undefined;
      const err = new MoError(`${op}: ${statusText(res)}${first ? ` (${first})` : ''}`, res.status);
      throw new RetryableError(err, isRetryableStatus(res.status), retryAfterMs(res.headers['retry-after']));
    }
    if (!parsed)
      throw new MoError(
        `${op}: ${statusText(res)} with a body that is not a GraphQL JSON response`,
        res.status,
      );
    const first = firstError(parsed, variables);
    if (first !== undefined) {
      if (AUTH_ERRORS.test(first)) return { kind: 'auth', message: first };
      throw new MoError(`${op}: ${first}`, res.status);
    }
    if (parsed.data === null || typeof parsed.data !== 'object')
      throw new MoError(`${op}: response has no data`, res.status);
    return { kind: 'data', data: parsed.data, raw: res.data as string };
  }

  async function send(op: string, body: BodyFactory, variables: unknown, peek?: Peek): Promise<Answer> {
    return limit(async () => {
      let refreshed = false;
      for (;;) {
        const token = tokens ? await tokens.get().catch(rethrowAs(op)) : undefined;
        const sent = await withRetry(() => postOnce(op, body, variables, token, peek), policy, {
          signal,
          onRetry: (err, n, delay) => logger?.warn(`${err.message}; retry ${n} in ${delay}ms`),
        });
        if (sent.kind === 'data') return { data: sent.data, raw: sent.raw };
        if (!tokens) throw new MoError(`${op}: MO requires authentication (${sent.message}); set CLIENT_ID`);
        if (refreshed) throw new MoError(`${op}: MO rejected a fresh token (${sent.message})`);
        logger?.debug(`${op}: MO rejected the token (${sent.message}); fetching a new one`);
        tokens.invalidate(token);
        refreshed = true;
      }
    });
  }

  function answer(doc: GqlDocument, variables: Record<string, unknown>, peek?: Peek): Promise<Answer> {
    const payload = JSON.stringify({ query: doc.source, variables });
    const body: BodyFactory = () => ({ data: payload, headers: { 'Content-Type': 'application/json' } });
    return send(doc.name, body, variables, peek);
  }

  async function query<T>(doc: GqlDocument, variables: Record<string, unknown> = {}): Promise<T> {
    return (await answer(doc, variables)).data as T;
  }

  async function* paged<T>(
    doc: GqlDocument,
    variables: Record<string, unknown> = {},
    pageOpts: { pageSize?: number } = {},
  ): AsyncIterable<T[]> {
    const limitValue = pageOpts.pageSize ?? pageSize;
    let cursor: string | null = null;
    for (;;) {
      const data = await query<Record<string, unknown>>(doc, { ...variables, limit: limitValue, cursor });
      const page = onlyRootField(doc.name, data);
      if (page.objects.length > 0) yield page.objects as T[];
      const next = page.page_info.next_cursor;
      if (next === null || next === undefined) return;
      if (next === cursor)
        throw new MoError(`${doc.name}: MO returned the same cursor twice; stopping to avoid a loop`);
      cursor = next;
    }
  }

  async function* pagedBytes(
    doc: GqlDocument,
    variables: Record<string, unknown> = {},
    pageOpts: { pageSize?: number } = {},
  ): AsyncIterable<Buffer> {
    const limitValue = pageOpts.pageSize ?? pageSize;
    let cursor: string | null = null;
    for (;;) {
      const vars = { ...variables, limit: limitValue, cursor };
      const { data, raw } = await answer(doc, vars, peekPage);
      const page = onlyRootField(doc.name, data as Record<string, unknown>);
      yield typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      const next = page.page_info.next_cursor;
      if (next === null || next === undefined) return;
      if (next === cursor)
        throw new MoError(`${doc.name}: MO returned the same cursor twice; stopping to avoid a loop`);
      cursor = next;
    }
  }

  async function uploadFile(
    fileName: string,
    content: Buffer,
    uploadOpts: { force?: boolean } = {},
  ): Promise<void> {
    const op = `${uploadFileMutation.name} ${fileName}`;
    const body: BodyFactory = () => {
      const form = new FormData();
      const variables = { file: null, force: uploadOpts.force ?? true };
      form.append('operations', JSON.stringify({ query: uploadFileMutation.source, variables }));
      form.append('map', JSON.stringify({ '0': ['variables.file'] }));
      form.append('0', new Blob([content]), fileName);
      return { data: form, headers: {} };
    };
    const { data } = (await send(op, body, {})) as { data: { upload_file?: unknown } };
    if (typeof data.upload_file !== 'string')
      throw new MoError(`${op}: unexpected response (no upload_file)`);
  }

  return {
    query,
    paged,
    pagedBytes,
    uploadFile,
    get requestCount() {
      return requests;
    },
    get tokenRequestCount() {
      return tokens?.requestCount ?? 0;
    },
    endpoint,
    close() {
      http.defaults.httpAgent?.destroy();
      http.defaults.httpsAgent?.destroy();
    },
  };
}

function makeTokenProvider(
  opts: MoClientOptions,
  http: AxiosInstance,
  timeoutMs: number,
  retry: RetryPolicy,
): TokenProvider | undefined {
  const { settings, env } = opts;
  const clientId = env.CLIENT_ID || settings.value(s.clientId);
  if (!clientId) return undefined;
  const clientSecret = env.CLIENT_SECRET || settings.value(s.clientSecret);
  if (!clientSecret)
    throw new SettingsError(
      'crontab.CLIENT_SECRET',
      'is required when CLIENT_ID is set (or set CLIENT_SECRET)',
    );
  const authServer = env.AUTH_SERVER || settings.value(s.authServer);
  if (!authServer)
    throw new SettingsError('crontab.AUTH_SERVER', 'is required when CLIENT_ID is set (or set AUTH_SERVER)');
  const realm = env.AUTH_REALM || settings.value(s.authRealm);
  return createTokenProvider({
    http,
    authServer,
    realm,
    clientId,
    clientSecret,
    timeoutMs,
    retry,
    signal: opts.signal,
  });
}

/** The head of a page answer whose `page_info` comes first: `{"data":{"<root>":{"page_info":{"next_cursor":…},"objects":[`. */
const PAGE_HEAD =
  /^\s*\{\s*"data"\s*:\s*\{\s*"(\w+)"\s*:\s*\{\s*"page_info"\s*:\s*\{\s*"next_cursor"\s*:\s*(null|"[^"\\]*")\s*\}\s*,\s*"objects"\s*:\s*\[/;

/**
 * The root field and cursor of a page answer read from its head, its objects left unparsed (`objects: []`);
 * undefined unless the head matches and no `"errors"` occurs anywhere (a string value can only make it occur by
 * chance, which costs nothing but the full parse).
 */
function peekPage(body: Buffer): Record<string, unknown> | undefined {
  if (body.includes('"errors"')) return undefined;
  const head = PAGE_HEAD.exec(body.toString('utf8', 0, Math.min(body.length, 4096)));
  if (!head) return undefined;
  return { [head[1]!]: { page_info: { next_cursor: JSON.parse(head[2]!) as string | null }, objects: [] } };
}

function parseBody(text: unknown): GqlBody | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && ('data' in parsed || 'errors' in parsed)
      ? (parsed as GqlBody)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The first GraphQL error message, one line, with CPR numbers and variable values removed. */
function firstError(body: GqlBody, variables: unknown): string | undefined {
  if (!Array.isArray(body.errors) || body.errors.length === 0) return undefined;
  const message = body.errors[0]?.message;
  return oneLine(scrub(typeof message === 'string' ? message : 'unknown GraphQL error', variables), 240);
}

function onlyRootField(
  op: string,
  data: Record<string, unknown>,
): { objects: unknown[]; page_info: { next_cursor?: string | null } } {
  const keys = Object.keys(data);
  if (keys.length !== 1)
    throw new MoError(`${op}: a paged document must have exactly one root field, found ${keys.length}`);
  const page = data[keys[0]!] as { objects?: unknown; page_info?: { next_cursor?: string | null } } | null;
  if (!page || !Array.isArray(page.objects) || !page.page_info || typeof page.page_info !== 'object') {
    throw new MoError(`${op}: root field ${keys[0]} has no objects/page_info; is the document paged?`);
  }
  return page as { objects: unknown[]; page_info: { next_cursor?: string | null } };
}

function rethrowAs(op: string) {
  return (err: Error): never => {
    throw new MoError(`${op}: ${err.message}`);
  };
}
