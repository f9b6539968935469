/**
 * MO's GraphQL event system (specs/events.md §1–§3, emulator checklist §5 items 1–8), written from the spec:
 * namespaces, listeners, one pending row per (listener, subject) with MO's merge rule, fetch with the owner
 * check and the back-off formula, ack by (id, generation, owner), the generator (registration and
 * validity-boundary events, configurable delay) and test controls (clock, reset-last-tried, lost fetches).
 */
import crypto from 'node:crypto';
import { GraphQLError } from 'graphql';

/** Fallback owners of MO's auth middleware (MO-AUTH). */
export const NO_UUID_CLAIM_OWNER = 'face1e55-baad-1110-006d-697373696e67';
/** What `me.actor.uuid` answers for a token without a uuid claim (an UnknownActor). */
export const UNKNOWN_ACTOR = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Routing keys of namespace `mo` per fixture collection (LoRa type / funktionsnavn, §3). */
export const ROUTING_KEY: Record<string, string> = {
  persons: 'person',
  org_units: 'org_unit',
  engagements: 'engagement',
  addresses: 'address',
  itusers: 'ituser',
  kles: 'kle',
  managers: 'manager',
  classes: 'class',
  facets: 'facet',
  itsystems: 'itsystem',
  associations: 'association',
  leaves: 'leave',
  related_units: 'related_unit',
};

export interface Namespace {
  name: string;
  owner: string;
  public: boolean;
}

export interface Listener {
  uuid: string;
  owner: string;
  user_key: string;
  routing_key: string;
  namespace: string;
}

interface Row {
  id: number;
  listener: string;
  subject: string;
  priority: number;
  generation: string;
  /** ms since epoch (0 = 1970: fetchable at once). */
  lastTried: number;
  fetchedCount: number;
  silenced: boolean;
  createdAt: number;
  /** When the row last became fetchable by an add or merge (for latency measurements). */
  fetchableAt: number;
}

export interface EventSystemOptions {
  /** MO ≥ 57.2.0 delivers silenced events after every unsilenced one; older MO hides them (default true). */
  deliverSilenced?: boolean;
  /** Generator delay: 0 (default) emits at once; [min, max] ms sleeps a random time like MO's 5–90 s. */
  generatorDelayMs?: number | [number, number];
}

export interface EventStats {
  pending: number;
  sent: number;
  fetched: number;
  acknowledged: number;
  /** Acks that deleted nothing (stale generation, someone else's, already acked). */
  staleAcks: number;
  lostFetches: number;
}

const MIN_BACKOFF_MS = 3 * 60 * 1000;
const MAX_BACKOFF_MS = 17 * 60 * 60 * 1000;

/** MO's back-off: eligible when last_tried < now − max(3 min, min(2^min(n,32) s, 17 h)). */
export function backoffMs(fetchedCount: number): number {
  return Math.max(MIN_BACKOFF_MS, Math.min(2 ** Math.min(fetchedCount, 32) * 1000, MAX_BACKOFF_MS));
}

export function encodeToken(id: number, generation: string): string {
  return Buffer.from(`${id}.${generation}`).toString('base64');
}

/** The EventToken scalar's parser: an undecodable token fails at variable parsing, as in MO. */
export function parseToken(value: unknown): { id: number; generation: string } {
  const fail = (): never => {
    throw new GraphQLError('Could not parse EventToken');
  };
  if (typeof value !== 'string') return fail();
  const text = Buffer.from(value, 'base64').toString('utf8');
  const m = text.match(/^(\d+)\.([0-9a-f-]{36})$/);
  if (!m) return fail();
  return { id: Number(m[1]), generation: m[2] as string };
}

export class EventSystem {
  readonly namespaces = new Map<string, Namespace>();
  readonly listeners = new Map<string, Listener>();
  private readonly rows = new Map<string, Row>();
  private readonly byId = new Map<number, Row>();
  /** Rows per listener: a fetch looks at its listener's rows only (a burst has thousands per listener). */
  private readonly byListener = new Map<string, Set<Row>>();
  private nextId = 1;
  /** Added to the real clock (ms), so tests can let MO's back-off pass without waiting. */
  clockOffsetMs = 0;
  /** The next n event_fetch answers are lost after the row was claimed (the server did the work). */
  loseFetches = 0;
  readonly stats: EventStats = {
    pending: 0,
    sent: 0,
    fetched: 0,
    acknowledged: 0,
    staleAcks: 0,
    lostFetches: 0,
  };
  /** Changes waiting for the next generator run: routing key → subjects. */
  private readonly dirty = new Map<string, Set<string>>();
  private generatorTimer: NodeJS.Timeout | null = null;
  /** Called whenever rows become fetchable (tests and benches measure latency from here). */
  onFetchable?: (routingKey: string, subject: string, at: number) => void;

  constructor(readonly options: EventSystemOptions = {}) {
    // the migration seeds namespace `mo`: public, with a random owner, so nobody can send into it
    this.namespaces.set('mo', { name: 'mo', owner: crypto.randomUUID(), public: true });
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private rowKey(listener: string, subject: string): string {
    return `${listener}\u0000${subject}`;
  }

  // ---- namespaces ----

  declareNamespace(owner: string, name: string, isPublic: boolean): Namespace {
    const existing = this.namespaces.get(name);
    if (existing) {
      if (existing.owner !== owner) throw new GraphQLError('Namespace already claimed by another owner.');
      if (existing.public !== isPublic)
        throw new GraphQLError(`Namespace already exists with public=${existing.public ? 'true' : 'false'}.`);
      return existing;
    }
    const ns = { name, owner, public: isPublic };
    this.namespaces.set(name, ns);
    return ns;
  }

  deleteNamespace(name: string): boolean {
    if ([...this.listeners.values()].some((l) => l.namespace === name))
      throw new GraphQLError('Cannot delete a namespace with listeners.');
    this.namespaces.delete(name);
    return true;
  }

  // ---- listeners ----

  declareListener(owner: string, namespace: string, userKey: string, routingKey: string): Listener {
    const ns = this.namespaces.get(namespace);
    if (!ns) throw new GraphQLError('Namespace does not exist');
    if (!ns.public && ns.owner !== owner)
      throw new GraphQLError('Namespace is not public and you are not the owner');
    const existing = [...this.listeners.values()].find(
      (l) => l.owner === owner && l.namespace === namespace && l.user_key === userKey,
    );
    if (existing) {
      if (existing.routing_key !== routingKey)
        throw new GraphQLError(
          'There already exists a listener with this user_key and a different routing_key',
        );
      return existing;
    }
    // the routing key is not validated: a listener on `employee` is accepted and never receives events
    const listener = {
      uuid: crypto.randomUUID(),
      owner,
      user_key: userKey,
      routing_key: routingKey,
      namespace,
    };
    this.listeners.set(listener.uuid, listener);
    return listener;
  }

  deleteListener(uuid: string, deletePending: boolean): boolean {
    const pending = [...this.rows.values()].filter((r) => r.listener === uuid);
    if (pending.length > 0 && !deletePending)
      throw new GraphQLError('Cannot delete a listener with pending events.');
    for (const r of pending) this.dropRow(r);
    this.listeners.delete(uuid);
    return true;
  }

  // ---- adding events ----

  /** MO's add_event: one row per matching listener existing now; merge into a pending row (§2, §5 item 2). */
  add(
    namespace: string,
    routingKey: string,
    subject: string,
    priority = 10000,
    only?: { owner?: string; listener?: string },
  ): void {
    const at = this.now();
    for (const l of this.listeners.values()) {
      if (l.namespace !== namespace || l.routing_key !== routingKey) continue;
      if (only?.owner && l.owner !== only.owner) continue;
      if (only?.listener && l.uuid !== only.listener) continue;
      const key = this.rowKey(l.uuid, subject);
      const row = this.rows.get(key);
      if (row) {
        row.generation = crypto.randomUUID();
        row.lastTried = 0;
        row.priority = Math.min(row.priority, priority);
        row.fetchedCount = 0;
        row.fetchableAt = at;
      } else {
        const created: Row = {
          id: this.nextId++,
          listener: l.uuid,
          subject,
          priority,
          generation: crypto.randomUUID(),
          lastTried: 0,
          fetchedCount: 0,
          silenced: false,
          createdAt: at,
          fetchableAt: at,
        };
        this.rows.set(key, created);
        this.byId.set(created.id, created);
        const mine = this.byListener.get(l.uuid) ?? new Set<Row>();
        mine.add(created);
        this.byListener.set(l.uuid, mine);
      }
      this.stats.sent += 1;
      this.onFetchable?.(routingKey, subject, at);
    }
    this.stats.pending = this.rows.size;
  }

  /** event_send: only into a namespace the caller owns (so never into `mo`). */
  send(owner: string, namespace: string, routingKey: string, subject: string, priority: number): boolean {
    if (priority < 1) throw new GraphQLError('priority must be natural');
    if (subject.length > 220) throw new GraphQLError('Too large subject. Max 220 characters.');
    const ns = this.namespaces.get(namespace);
    if (!ns) throw new GraphQLError('Namespace does not exist.');
    if (ns.owner !== owner) throw new GraphQLError('You are not the owner of that namespace.');
    this.add(namespace, routingKey, subject, priority);
    return true;
  }

  // ---- the generator ----

  /** A registration (create, update, terminate, delete) of an object: an event in the next generator run. */
  changed(routingKey: string, subject: string): void {
    const set = this.dirty.get(routingKey) ?? new Set<string>();
    set.add(subject);
    this.dirty.set(routingKey, set);
    this.scheduleGenerator();
  }

  private scheduleGenerator(): void {
    const delay = this.options.generatorDelayMs ?? 0;
    if (delay === 0) return this.runGenerator();
    if (this.generatorTimer) return;
    const ms = typeof delay === 'number' ? delay : delay[0] + Math.random() * (delay[1] - delay[0]);
    this.generatorTimer = setTimeout(() => {
      this.generatorTimer = null;
      this.runGenerator();
    }, ms);
    this.generatorTimer.unref();
  }

  /** One generator run: every pending change becomes visible together (one transaction in MO). */
  runGenerator(): void {
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const [routingKey, subjects] of batch)
      for (const subject of subjects) this.add('mo', routingKey, subject);
  }

  stop(): void {
    if (this.generatorTimer) clearTimeout(this.generatorTimer);
    this.generatorTimer = null;
  }

  // ---- consuming ----

  /** event_fetch: null for no eligible row, an unknown listener or someone else's listener. */
  fetch(owner: string, listenerUuid: string): { subject: string; priority: number; token: string } | null {
    const listener = this.listeners.get(listenerUuid);
    if (!listener || listener.owner !== owner) return null;
    const now = this.now();
    const deliverSilenced = this.options.deliverSilenced ?? true;
    // order: unsilenced first, then priority, then fewest fetches; no FIFO: a random tie-break among equals
    // (reservoir sampling), as Postgres may return any row
    let row: Row | undefined;
    let ties = 0;
    for (const r of this.byListener.get(listenerUuid) ?? []) {
      if (r.silenced && !deliverSilenced) continue;
      if (!(r.lastTried < now - backoffMs(r.fetchedCount))) continue;
      const cmp = row
        ? Number(r.silenced) - Number(row.silenced) ||
          r.priority - row.priority ||
          r.fetchedCount - row.fetchedCount
        : -1;
      if (cmp < 0) {
        row = r;
        ties = 1;
      } else if (cmp === 0 && Math.random() * ++ties < 1) row = r;
    }
    if (!row) return null;
    row.lastTried = now;
    row.fetchedCount += 1;
    this.stats.fetched += 1;
    return { subject: row.subject, priority: row.priority, token: encodeToken(row.id, row.generation) };
  }

  /** event_acknowledge: deletes only when id, generation and owner match; always true. */
  acknowledge(owner: string, token: { id: number; generation: string }): boolean {
    const row = this.byId.get(token.id);
    const listener = row ? this.listeners.get(row.listener) : undefined;
    if (row && listener && row.generation === token.generation && listener.owner === owner) {
      this.dropRow(row);
      this.stats.acknowledged += 1;
    } else {
      this.stats.staleAcks += 1;
    }
    return true;
  }

  private dropRow(row: Row): void {
    this.rows.delete(this.rowKey(row.listener, row.subject));
    this.byListener.get(row.listener)?.delete(row);
    this.byId.delete(row.id);
    this.stats.pending = this.rows.size;
  }

  // ---- humans ----

  silence(listeners: string[], subjects: string[]): boolean {
    for (const r of this.rows.values())
      if (listeners.includes(r.listener) && subjects.includes(r.subject)) r.silenced = true;
    return true;
  }

  unsilence(listeners: string[] | null, subjects: string[] | null, priorities: number[] | null): boolean {
    for (const r of this.rows.values()) {
      if (listeners && !listeners.includes(r.listener)) continue;
      if (subjects && !subjects.includes(r.subject)) continue;
      if (priorities && !priorities.includes(r.priority)) continue;
      r.silenced = false;
      r.lastTried = 0;
    }
    return true;
  }

  pendingRows(): Array<{
    listener: Listener;
    subject: string;
    priority: number;
    silenced: boolean;
    fetchedCount: number;
  }> {
    return [...this.rows.values()].map((r) => ({
      listener: this.listeners.get(r.listener) as Listener,
      subject: r.subject,
      priority: r.priority,
      silenced: r.silenced,
      fetchedCount: r.fetchedCount,
    }));
  }

  /** MO's POST /testing/events/reset-last-tried. */
  resetLastTried(): void {
    for (const r of this.rows.values()) r.lastTried = 0;
  }
}
