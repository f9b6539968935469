/**
 * Keycloak client-credentials tokens for MO: fetched once, cached, refreshed shortly before expiry, and
 * refreshed on demand when MO rejects one. Concurrent callers share one token request.
 */
import type { AxiosInstance } from 'axios';
import {
  RetryableError,
  isRetryableStatus,
  oneLine,
  requestWithDeadline,
  retryAfterMs,
  statusText,
  withRetry,
  type RetryPolicy,
} from './http.js';

export interface TokenProviderOptions {
  http: AxiosInstance;
  authServer: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  now?: () => number;
}

export interface TokenProvider {
  /** A valid access token (cached while it has more than the refresh margin left). */
  get(): Promise<string>;
  /** Forgets the cached token so the next get() fetches a new one. */
  invalidate(token?: string): void;
  /** Token requests sent so far. */
  readonly requestCount: number;
}

/** Refresh this long before expiry (or at half the lifetime for short-lived tokens). */
const REFRESH_MARGIN_MS = 30_000;

export function tokenUrl(authServer: string, realm: string): string {
  return `${authServer.replace(/\/+$/, '')}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
}

export function createTokenProvider(opts: TokenProviderOptions): TokenProvider {
  const now = opts.now ?? Date.now;
  const url = tokenUrl(opts.authServer, opts.realm);
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let requests = 0;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
    }).toString();
    return withRetry(
      async () => {
        requests++;
        let res;
        try {
          res = await requestWithDeadline(
            opts.http,
            {
              method: 'POST',
              url,
              data: body,
              headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            },
            opts.timeoutMs,
            opts.signal,
          );
        } catch (err) {
          const e = err as Error & { retryable?: boolean };
          const wrapped = new Error(`Keycloak token request to ${url}: ${e.message}`);
          throw new RetryableError(wrapped, e.name === 'RequestTimeoutError' || e.retryable === true);
        }
        if (res.status >= 400) {
          const reason = keycloakError(res.data);
          const wrapped = new Error(
            `Keycloak token request to ${url}: ${statusText(res)}${reason ? ` (${reason})` : ''}`,
          );
          throw new RetryableError(
            wrapped,
            isRetryableStatus(res.status),
            retryAfterMs(res.headers['retry-after']),
          );
        }
        let parsed: { access_token?: unknown; expires_in?: unknown };
        try {
          parsed = JSON.parse(String(res.data)) as typeof parsed;
        } catch {
          throw new Error(`Keycloak token request to ${url}: response is not JSON`);
        }
        if (typeof parsed.access_token !== 'string' || !parsed.access_token) {
          throw new Error(`Keycloak token request to ${url}: response has no access_token`);
        }
        const lifetimeMs = typeof parsed.expires_in === 'number' ? parsed.expires_in * 1000 : 300_000;
        const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
        cached = { token: parsed.access_token, refreshAt: now() + lifetimeMs - margin };
        return parsed.access_token;
      },
      opts.retry,
      { signal: opts.signal },
    );
  }

  return {
    async get(): Promise<string> {
      if (cached && now() < cached.refreshAt) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token?: string): void {
      if (!token || cached?.token === token) cached = undefined;
    },
    get requestCount() {
      return requests;
    },
  };
}

/** Keycloak's `error`/`error_description`, which never echo the secret. */
function keycloakError(body: unknown): string | undefined {
  try {
    const parsed = JSON.parse(String(body)) as { error?: unknown; error_description?: unknown };
    const parts = [parsed.error, parsed.error_description].filter((p): p is string => typeof p === 'string');
    return parts.length ? oneLine(parts.join(': '), 120) : undefined;
  } catch {
    return undefined;
  }
}
