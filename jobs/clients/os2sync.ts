/**
 * OS2sync REST client (spec §1): CVR/ApiKey headers, JSON bodies, case-insensitive reading of responses,
 * retry with backoff on 5xx, 429 (honouring Retry-After) and connection errors. Other 4xx answers are returned
 * to the caller (per-object errors). A request that still fails after its retries throws Os2syncUnavailableError
 * when OS2sync cannot be reached at all (connection refused, host or network unreachable, name not found), else
 * Os2syncRequestFailedError (5xx, 429, timeout, connection reset): a failure of that one request's object.
 */
import type { AxiosInstance } from 'axios';
import {
  NetworkError,
  RequestTimeoutError,
  RetryableError,
  createHttpClient,
  isRetryablePushStatus,
  oneLine,
  requestBytes,
  retryAfterMs,
  scrub,
  withRetry,
  type RetryPolicy,
} from './http.js';

export interface Os2syncClientOptions {
  /** `{os2sync.api_url}`, e.g. `http://host:8081/api` (no trailing slash). */
  baseUrl: string;
  cvr: string;
  apiKey?: string;
  caVerify?: boolean;
  timeoutMs: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxTimeMs: number };
  signal?: AbortSignal;
  /** Called before each retry (for a log line). */
  onRetry?: (what: string, error: Error, attempt: number, delayMs: number) => void;
}

export interface Os2syncResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON (OS2sync answers errors in plain text). */
  body: unknown;
  text: string;
}

/** OS2sync could not be reached at all after every retry (refused, unreachable, unknown host): stop sending. */
export class Os2syncUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Os2syncUnavailableError';
  }
}

/** OS2sync answered 5xx or 429, timed out or dropped the connection on every attempt of one request. */
export class Os2syncRequestFailedError extends Error {
  constructor(
    message: string,
    /** The last HTTP status, undefined for a timeout or a dropped connection. */
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'Os2syncRequestFailedError';
  }
}

/**
 * Network errors that mean nothing listens at `os2sync.api_url` (as opposed to one bad answer); TLS errors
 * (not retryable) too: every request would meet them.
 */
const DOWN_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`HTTP ${status} ${oneLine(scrub(text), 200)}`.trim());
  }
}

export interface Os2syncClient {
  request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Os2syncResponse>;
  /**
   * One cheap reachability check: `GET` OS2sync's health route (`{api_url}/../manage/health`). Any answer
   * below 500 passes; throws like `request` otherwise.
   */
  probe(): Promise<void>;
  /** Number of HTTP requests sent (attempts included). */
  readonly sent: number;
}

/** OS2sync's health route next to its API base: `http://host:8081/api` → `http://host:8081/manage/health`. */
export function healthUrl(baseUrl: string): string {
  return new URL('../manage/health', `${baseUrl.replace(/\/+$/, '')}/`).toString();
}

export function createOs2syncClient(opts: Os2syncClientOptions): Os2syncClient {
  const http: AxiosInstance = createHttpClient({ caVerify: opts.caVerify, maxSockets: 2 });
  const policy: RetryPolicy = {
    maxAttempts: opts.retry.maxAttempts,
    maxTimeMs: opts.retry.maxTimeMs,
    baseDelayMs: opts.retry.baseDelayMs,
    maxDelayMs: 60_000,
  };
  const headers: Record<string, string> = {
    CVR: opts.cvr,
    'User-Agent': 'os2mo-job-runner',
    Accept: 'application/json, text/plain',
  };
  if (opts.apiKey) headers.ApiKey = opts.apiKey;
  let sent = 0;

  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    what: string,
    body?: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<Os2syncResponse> {
    try {
      return await withRetry(
        async () => {
          sent += 1;
          let res;
          try {
            res = await requestBytes(
              http,
              method,
              url,
              body === undefined ? undefined : JSON.stringify(body),
              {
                ...headers,
                ...extraHeaders,
                ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
              },
              opts.timeoutMs,
              opts.signal,
            );
          } catch (err) {
            if (err instanceof NetworkError) throw new RetryableError(err, err.retryable);
            if (err instanceof RequestTimeoutError) throw new RetryableError(err, true);
            throw err;
          }
          const text = res.data.toString('utf8');
          if (isRetryablePushStatus(res.status)) {
            const err = new HttpStatusError(res.status, text);
            throw new RetryableError(err, true, retryAfterMs(res.headers['retry-after']));
          }
          return { status: res.status, body: parseBody(text), text };
        },
        policy,
        { signal: opts.signal, onRetry: (e, n, d) => opts.onRetry?.(what, e, n, d) },
      );
    } catch (err) {
      if (!(err instanceof Error) || err.name === 'AbortedError' || opts.signal?.aborted) throw err;
      if (err instanceof NetworkError && (!err.retryable || DOWN_CODES.has(err.code ?? '')))
        throw new Os2syncUnavailableError(`OS2sync ${what}: ${err.message}`);
      const status = err instanceof HttpStatusError ? err.status : undefined;
      throw new Os2syncRequestFailedError(`OS2sync ${what}: ${err.message}`, status);
    }
  }

  return {
    get sent() {
      return sent;
    },
    request: (method, path, body, extraHeaders) =>
      send(method, opts.baseUrl + path, `${method} ${path}`, body, extraHeaders),
    async probe() {
      const url = healthUrl(opts.baseUrl);
      await send('GET', url, `GET ${new URL(url).pathname}`);
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads a property of an OS2sync response whatever its casing (v2 camelCase, v3+ PascalCase). */
export function prop(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>))
    if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** OS2sync's error text for a log line: one line, CPR-like numbers removed. */
export function os2syncMessage(res: Os2syncResponse): string {
  const text = typeof res.body === 'string' ? res.body : res.text;
  return oneLine(scrub(text || '(empty body)'), 300);
}
