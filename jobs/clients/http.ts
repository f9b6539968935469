/**
 * Shared HTTP plumbing for the clients: an axios instance with keep-alive agents, per-request deadlines that
 * also honour the job's AbortSignal, retry with exponential backoff and jitter, and one-line error text.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { oneLine } from './one-line.js';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';

export interface HttpClientOptions {
  /** Verify TLS certificates (default true). */
  caVerify?: boolean;
  /** Socket pool size per host. */
  maxSockets?: number;
}

/**
 * An axios instance that never throws on HTTP status (callers decide), returns bodies as text (callers
 * parse, so garbage is reported as such), does not follow redirects silently and keeps connections alive.
 */
export function createHttpClient(opts: HttpClientOptions = {}): AxiosInstance {
  const maxSockets = opts.maxSockets ?? 8;
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: opts.caVerify !== false }),
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    proxy: false,
  });
}

/** Thrown when a request takes longer than its deadline. Retryable. */
export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${formatMs(ms)}`);
    this.name = 'RequestTimeoutError';
  }
}

/** Thrown when the caller's signal aborts a request or a wait. Never retried. */
export class AbortedError extends Error {
  constructor(reason?: unknown) {
    super(typeof reason === 'string' ? `aborted (${reason})` : 'aborted');
    this.name = 'AbortedError';
  }
}

/** A network-level failure (refused, reset, DNS, TLS): `message` is already one line and safe to show. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const NETWORK_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ECONNABORTED: 'connection aborted',
};

/** HTTP statuses worth retrying: rate limiting and gateway/proxy trouble. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * The push targets' rule (OS2sync, Rollekatalog, OS2phonebook): every 5xx and 429 are tried again, honouring
 * Retry-After; any other status is the answer. A 429 is never taken for the object's rejection.
 */
export function isRetryablePushStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * Sends one request with a deadline. Resolves with the response whatever its status; rejects with
 * RequestTimeoutError, AbortedError or NetworkError.
 */
export async function requestWithDeadline<T = string>(
  client: AxiosInstance,
  config: AxiosRequestConfig,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AxiosResponse<T>> {
  if (signal?.aborted) throw new AbortedError(signal.reason);
  const deadline = startDeadline(timeoutMs, signal);
  try {
    return await client.request<T>({ ...config, signal: deadline.signal });
  } catch (err) {
    throw deadline.failure() ?? toNetworkError(err);
  } finally {
    deadline.end();
  }
}

/**
 * One request's deadline and cancellation: `signal` aborts when `timeoutMs` passes or `outer` aborts;
 * `failure()` is then the error to report (AbortedError or RequestTimeoutError), else undefined.
 */
function startDeadline(timeoutMs: number, outer?: AbortSignal) {
  const controller = new AbortController();
  const deadline = startTimedCancel(timeoutMs, outer, () => controller.abort());
  return { ...deadline, signal: controller.signal };
}

/**
 * startDeadline without an AbortSignal: `cancel` runs when `timeoutMs` passes or `outer` aborts. An AbortController
 * per request is ≈ 0.7 KB that outlives the young generation; OS2sync's first night sends 35,818 requests.
 */
function startTimedCancel(timeoutMs: number, outer: AbortSignal | undefined, cancel: () => void) {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    cancel();
  }, timeoutMs);
  outer?.addEventListener('abort', cancel, { once: true });
  return {
    failure(): Error | undefined {
      if (outer?.aborted) return new AbortedError(outer.reason);
      if (timedOut) return new RequestTimeoutError(timeoutMs);
      return undefined;
    },
    end(): void {
      clearTimeout(timer);
      outer?.removeEventListener('abort', cancel);
    },
  };
}

/** An answer read whole as bytes (requestBytes). */
export interface BytesResponse {
  status: number;
  statusText?: string;
  headers: http.IncomingHttpHeaders;
  data: Buffer;
}

/**
 * Sends one request (`body` undefined: none) and reads the answer whole as one Buffer, with requestWithDeadline's
 * deadline, abort and errors, on `client`'s keep-alive agents. node:http itself, for the clients that send many
 * requests. For MO's GraphQL pages axios cost about 0.9 ms more CPU per request (measured on 200 answers of 0.7 MB),
 * a tenth of the snapshot build's CPU. For OS2sync (`npm run bench` os2sync-client) it cost ≈ 0.40 ms of CPU per
 * request against 0.20 ms, and on chunked answers it left ≈ 10 KB per request for V8's old generation: a first
 * night's OS2sync job on fixture L (35,818 requests) peaked at 512–523 MB.
 */
export function requestBytes(
  client: AxiosInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body: string | undefined,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<BytesResponse> {
  if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const agent = (secure ? client.defaults.httpsAgent : client.defaults.httpAgent) as http.Agent | undefined;
  let req: http.ClientRequest | undefined;
  // the error the destroyed request raises is replaced by deadline.failure() (timeout or cancellation)
  const deadline = startTimedCancel(timeoutMs, signal, () => req?.destroy(new Error('cancelled')));
  return new Promise<BytesResponse>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      deadline.end();
      fn();
    };
    const fail = (err: Error): void => settle(() => reject(deadline.failure() ?? err));
    req = (secure ? https.request : http.request)(
      target,
      {
        method,
        agent,
        // compressed answers are welcome, as with axios (MO behind a proxy that compresses: a tenth of the bytes)
        headers: {
          'Accept-Encoding': 'gzip, deflate, br',
          ...headers,
          ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        const decoder = decoderFor(res.headers['content-encoding']);
        // Uncompressed with a Content-Length (node:http never passes more): copied into one buffer as it arrives.
        const length = decoder ? NaN : Number(res.headers['content-length'] ?? NaN);
        const whole = Number.isSafeInteger(length) && length > 0 ? Buffer.allocUnsafeSlow(length) : undefined;
        const chunks: Buffer[] = [];
        let received = 0;
        const body: NodeJS.ReadableStream = decoder ? res.pipe(decoder) : res;
        body.on('data', (c: Buffer) => {
          if (whole) c.copy(whole, received);
          else chunks.push(c);
          received += c.length;
        });
        body.on('end', () =>
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage,
              headers: res.headers,
              data: whole ?? Buffer.concat(chunks),
            }),
          ),
        );
        decoder?.on('error', (err: Error & { code?: string }) =>
          fail(
            new NetworkError(
              `the compressed answer could not be read (${err.code ?? err.message})`,
              err.code,
              true,
            ),
          ),
        );
        res.on('error', (err) => fail(toNetworkError(err)));
        res.on('close', () => {
          if (!res.complete) fail(new NetworkError('connection closed by server', 'ECONNRESET', true));
        });
      },
    );
    req.on('error', (err) => fail(toNetworkError(err)));
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** A decompressing stream for a Content-Encoding node:http does not undo itself; undefined for none. */
function decoderFor(
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

function toNetworkError(err: unknown): NetworkError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code && NETWORK_TEXT[code])
    return new NetworkError(NETWORK_TEXT[code], code, RETRYABLE_NETWORK_CODES.has(code));
  if (code && /CERT|SSL|TLS|SELF_SIGNED/i.test(code))
    return new NetworkError(`TLS error (${code})`, code, false);
  const text = oneLine(e.message || code || 'request failed', 200);
  const retryable = code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
  return new NetworkError(
    /socket hang up/i.test(text) ? 'connection closed by server' : text,
    code,
    retryable || /socket hang up/i.test(text),
  );
}

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  maxAttempts: number;
  /** Give up once this long has passed since the first attempt. */
  maxTimeMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** Waits, or rejects with AbortedError when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What one failed attempt tells the retry loop. */
export interface AttemptFailure {
  error: Error;
  retryable: boolean;
  /** Server-requested wait (Retry-After), if any. */
  retryAfterMs?: number;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the policy is exhausted.
 * `attempt` throws an AttemptFailure-carrying RetryableError or any other error (not retried).
 * The final error's message says how many attempts were made when more than one was.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  opts: { signal?: AbortSignal; onRetry?: (err: Error, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const failure = err instanceof RetryableError ? err : undefined;
      if (!failure || !failure.retryable) throw failure ? failure.cause : err;
      const elapsed = Date.now() - started;
      const delay = Math.max(backoffDelay(n, policy), Math.min(failure.retryAfterMs ?? 0, policy.maxDelayMs));
      if (n >= policy.maxAttempts || elapsed + delay > policy.maxTimeMs) {
        const cause = failure.cause;
        cause.message = `${cause.message} (gave up after ${n} attempt${n === 1 ? '' : 's'} in ${formatMs(elapsed)})`;
        throw cause;
      }
      opts.onRetry?.(failure.cause, n, delay);
      await sleep(delay, opts.signal);
    }
  }
}

/** Wraps an attempt's error with the retry decision. */
export class RetryableError extends Error {
  constructor(
    override readonly cause: Error,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(cause.message);
  }
}

/**
 * A Retry-After header as milliseconds to wait: seconds (`120`) or an HTTP date (`Wed, 02 Dec 2026 13:05:00 GMT`,
 * as a proxy in front of MO may send; a date already passed is 0). Anything else: undefined.
 */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // an IMF-fixdate names its weekday and GMT; Date.parse alone would also take "1" or "2026"
  if (!/^[A-Za-z]{3}, .+ GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CPR_PATTERN = /(?<!\d)\d{6}-?\d{4}(?!\d)/g;

/** Removes CPR-like numbers and every string value found in `variables` from a server's message. */
export function scrub(message: string, variables?: unknown): string {
  let text = message.replace(CPR_PATTERN, '[redacted]');
  for (const value of leafStrings(variables)) {
    if (value.length >= 3) text = text.split(value).join('[redacted]');
  }
  return text;
}

function leafStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) leafStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) leafStrings(v, out);
  return out;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10}s`;
  return `${Math.round(ms / 6000) / 10}min`;
}

/** "HTTP 502 Bad Gateway" */
export function statusText(res: { status: number; statusText?: string }): string {
  return `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
}

export { oneLine };
