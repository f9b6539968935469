/** Injectable misbehaviour of the MO emulator. Request numbers count every GraphQL POST from 1 (after reset). */
export interface MoFaults {
  /** Delay before every GraphQL answer, ms. */
  latencyMs?: number;
  /** Fraction (0–1) of GraphQL requests answered with HTTP 502, chosen deterministically by `seed` and request number. */
  failureRate?: number;
  seed?: number;
  /** Request numbers answered with HTTP 502 / HTTP 500 / invalid JSON (HTTP 200) / never answered. */
  http502Requests?: number[];
  http500Requests?: number[];
  garbageRequests?: number[];
  stallRequests?: number[];
  /** Root pages hold between 1 and `limit` objects, as MO may return (clients must not stop on a short page). */
  shortPages?: boolean;
  /** Any HTTP status on chosen request numbers, e.g. `{ 3: 401, 4: 429, 5: 503 }` (body: a short JSON detail). */
  httpStatusRequests?: Record<number, number>;
  /**
   * GraphQL errors on a root field: `call` is the n-th execution of that root field (1-based; omit for every
   * call). The answer is HTTP 200 with `data.<field>: null` and the error, as MO does for resolver errors.
   */
  fieldErrors?: Array<{ field: string; call?: number; message?: string }>;
}

/** A deterministic per-request coin for the failure rate (hash of seed and request number). */
export function failsAt(seed: number, request: number, rate: number): boolean {
  if (rate <= 0) return false;
  let h = (seed ^ Math.imul(request, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296 < rate;
}

export type RequestFault = 'stall' | 'http502' | 'http500' | 'garbage' | { status: number } | null;

export function requestFault(f: MoFaults, n: number): RequestFault {
  if (f.stallRequests?.includes(n)) return 'stall';
  const status = f.httpStatusRequests?.[n];
  if (status) return { status };
  if (f.http500Requests?.includes(n)) return 'http500';
  if (f.http502Requests?.includes(n) || failsAt(f.seed ?? 1, n, f.failureRate ?? 0)) return 'http502';
  if (f.garbageRequests?.includes(n)) return 'garbage';
  return null;
}
