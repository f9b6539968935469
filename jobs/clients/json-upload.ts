/**
 * A JSON-over-HTTP client for the full-upload exports (Rollekatalog, OS2phonebook): one deadline per request,
 * TLS verified unless told otherwise, retries only on 5xx, 429, timeouts and network errors (any other 4xx is
 * the server's answer and is returned), Retry-After honoured. Bodies are never logged by this module.
 */
import {
  NetworkError,
  RequestTimeoutError,
  RetryableError,
  createHttpClient,
  isRetryablePushStatus,
  oneLine,
  requestWithDeadline,
  retryAfterMs,
  withRetry,
  type RetryPolicy,
} from './http.js';

export interface JsonUploadClientOptions {
  /** Headers sent with every request (auth). */
  headers: Record<string, string>;
  verifyTls: boolean;
  timeoutMs: number;
  /** Attempts in all (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
  onRetry?: (what: string, error: Error, attempt: number, delayMs: number) => void;
}

export interface JsonResponse {
  status: number;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

export interface JsonUploadClient {
  /** `body` is sent as JSON; a string is taken as already-serialized JSON (large bodies are serialized once). */
  request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<JsonResponse>;
  /** HTTP requests sent (retries included). */
  readonly sent: number;
}

/** The first 2 KiB of a body on one line, for error messages. */
export function bodyExcerpt(text: string): string {
  return oneLine(text, 2048);
}

export function createJsonUploadClient(opts: JsonUploadClientOptions): JsonUploadClient {
  const http = createHttpClient({ caVerify: opts.verifyTls, maxSockets: 2 });
  const policy: RetryPolicy = {
    maxAttempts: opts.maxAttempts,
    baseDelayMs: opts.baseDelayMs,
    maxDelayMs: opts.maxDelayMs,
    maxTimeMs: Number.POSITIVE_INFINITY,
  };
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    async request(method, url, body) {
      const what = `${method} ${new URL(url).pathname}`;
      // Serialized once for every attempt: a phonebook load is tens of MB.
      const data =
        body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      return withRetry(
        async () => {
          sent++;
          let res;
          try {
            res = await requestWithDeadline<string>(
              http,
              {
                method,
                url,
                headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...opts.headers },
                data,
                maxBodyLength: Infinity,
                maxContentLength: Infinity,
              },
              opts.timeoutMs,
              opts.signal,
            );
          } catch (err) {
            const retryable =
              err instanceof RequestTimeoutError || (err instanceof NetworkError && err.retryable);
            throw new RetryableError(err as Error, retryable);
          }
          const text = typeof res.data === 'string' ? res.data : '';
          if (isRetryablePushStatus(res.status)) {
            const err = new Error(`HTTP ${res.status} from ${what}: ${bodyExcerpt(text)}`);
            throw new RetryableError(err, true, retryAfterMs(res.headers['retry-after']));
          }
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          return { status: res.status, json, text };
        },
        policy,
        { signal: opts.signal, onRetry: (err, n, delay) => opts.onRetry?.(what, err, n, delay) },
      );
    },
  };
}
