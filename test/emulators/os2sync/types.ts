/** Shapes of the OS2sync emulator's in-memory FK Organisation and its request log. */

export interface OrgUnitRecord {
  Uuid: string;
  Name: string;
  ParentOrgUnitUuid: string | null;
  [field: string]: unknown;
}

export interface UserRecord {
  Uuid: string;
  UserId: string;
  Person: { Name: string; Cpr?: string | null; Uuid?: string | null };
  Positions: { Name: string; OrgUnitUuid: string; StartDate?: string | null; StopDate?: string | null }[];
  [field: string]: unknown;
}

/** FK lifecycle: soft-deleted objects keep their data but no longer show up in reads or the hierarchy. */
export type FkStatus = 'active' | 'deleted' | 'passivated';

export interface FkState {
  orgUnits: Map<string, { record: OrgUnitRecord; status: FkStatus }>;
  users: Map<string, { record: UserRecord; status: FkStatus }>;
}

export interface LoggedRequest {
  method: string;
  /** Path without the query string, as sent (e.g. `/api/orgUnit/…`). */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** Status answered (0 when the connection was dropped). */
  status: number;
}

export interface Os2syncFaults {
  /** POST/DELETE/GET of these uuids (units or users) answer 400 with this message (or a default). */
  rejectUuids?: Record<string, string> | string[];
  /**
   * "Poisoned" objects: every request naming one of these uuids (in the path or as the body's `Uuid`) answers
   * HTTP 500, however often it is retried.
   */
  poisonUuids?: string[];
  /** POST/DELETE of these uuids (units or users) answer HTTP 500 (an OS2sync fault on one object). */
  serverErrorUuids?: string[];
  /** From the n-th request on (1-based, counted since start/reset, every route) answer `status` (default 503). */
  serverErrorFrom?: { request: number; status?: number; count?: number };
  /** At the n-th request: drop it and stop listening (every later connection is refused until `acceptConnections()`). */
  refuseConnectionsFrom?: number;
  /** From the n-th request on, destroy the socket without answering. */
  dropConnectionFrom?: { request: number; count?: number };
  /** Delay every answer by this many milliseconds. */
  latencyMs?: number;
  /** The hierarchy read fails inside OS2sync (Status 1, Result null: "FK unreachable"). */
  hierarchyFailure?: boolean;
  /** How many polls of `/api/hierarchy/{id}` answer 404 before the result is ready (default 1). */
  hierarchyPollsUntilReady?: number;
  /** `GET /api/hierarchy` answers 5xx this many times before it succeeds. */
  hierarchyStartErrors?: number;
}
