/** One POST to an import service's trigger: success is an HTTP status below 400, anything else fails the job. */
import type { JobContext } from '../../orchestrator/job.js';
import {
  AbortedError,
  createHttpClient,
  oneLine,
  requestWithDeadline,
  scrub,
  statusText,
} from '../clients/http.js';

export interface TriggerResponse {
  status: number;
  body: string;
}

/** The URL without user info, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** A short, scrubbed reason from a JSON error body (`detail` or `msg`), if any. */
function reason(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown; msg?: unknown };
    const text =
      typeof parsed.detail === 'string'
        ? parsed.detail
        : typeof parsed.msg === 'string'
          ? parsed.msg
          : undefined;
    return text ? oneLine(scrub(text), 120) : undefined;
  } catch {
    return undefined;
  }
}

/** GET or POST with a deadline; throws a one-line Error on connection failure, timeout or HTTP ≥ 400. */
export async function callService(
  ctx: Pick<JobContext, 'signal'>,
  method: 'GET' | 'POST',
  url: string,
  timeoutMs: number,
): Promise<TriggerResponse> {
  const http = createHttpClient({ maxSockets: 2 });
  try {
    const res = await requestWithDeadline<string>(
      http,
      { method, url, headers: { Accept: method === 'GET' ? 'text/plain, */*' : 'application/json' } },
      timeoutMs,
      ctx.signal,
    );
    const body = typeof res.data === 'string' ? res.data : '';
    if (res.status >= 400) {
      const why = reason(body);
      throw new ServiceError(`${method} ${safeUrl(url)}: ${statusText(res)}${why ? ` (${why})` : ''}`, false);
    }
    return { status: res.status, body };
  } catch (err) {
    if (err instanceof ServiceError || err instanceof AbortedError) throw err;
    const e = err as Error;
    throw new ServiceError(`${method} ${safeUrl(url)}: ${e.message}`, e.name === 'RequestTimeoutError');
  } finally {
    http.defaults.httpAgent?.destroy();
  }
}

/** A failed service call; `timedOut` tells a request timeout from other failures. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
