/**
 * The listener's durable queue (specs/events.md Decision 2): `{state}/listen/queue.sqlite`, WAL.
 * - `inbox`: each fetched event, written before anything else, so a kill -9 right after the fetch loses
 *   nothing (MO would hide the event for ≥ 3 min); marked `queued` in the transaction that queues its
 *   targets, removed once acknowledged (after a kill -9 in between, the restart only acknowledges it).
 * - `targets`: one row per person or unit to re-sync; duplicates coalesce (a new event bumps `generation`,
 *   so a row re-queued while its re-sync runs is kept for another pass). Failed sends stay with a back-off.
 * - `counters`: events fetched/acked, targets synced/failed, kept across restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type TargetKind = 'person' | 'unit';

export interface Target {
  kind: TargetKind;
  uuid: string;
}

export interface QueuedTarget extends Target {
  generation: number;
  attempts: number;
}

export interface InboxEvent {
  id: number;
  listener: string;
  routingKey: string;
  subject: string;
  token: string;
  /** Its targets are queued already; only the ack is missing. */
  queued: number;
}

export const queuePath = (stateDir: string): string => path.join(stateDir, 'listen', 'queue.sqlite');

export class ListenQueue {
  private readonly db: Database.Database;
  /** Statements of the per-event path, prepared once (preparing per call cost more than running them). */
  private readonly st: Record<
    'insertInbox' | 'markQueued' | 'deleteInbox' | 'upsertTarget' | 'bump',
    Database.Statement
  >;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    fs.chmodSync(file, 0o600);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS inbox (
        id INTEGER PRIMARY KEY, listener TEXT NOT NULL, routing_key TEXT NOT NULL,
        subject TEXT NOT NULL, token TEXT NOT NULL, fetched_at INTEGER NOT NULL,
        queued INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS targets (
        kind TEXT NOT NULL, uuid TEXT NOT NULL, queued_at INTEGER NOT NULL,
        generation INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        PRIMARY KEY (kind, uuid));
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.st = {
      insertInbox: this.db.prepare(
        'INSERT INTO inbox (listener, routing_key, subject, token, fetched_at) VALUES (?, ?, ?, ?, ?)',
      ),
      markQueued: this.db.prepare('UPDATE inbox SET queued = 1 WHERE id = ?'),
      deleteInbox: this.db.prepare('DELETE FROM inbox WHERE id = ?'),
      upsertTarget: this.db.prepare(
        `INSERT INTO targets (kind, uuid, queued_at) VALUES (?, ?, ?)
         ON CONFLICT (kind, uuid) DO UPDATE SET generation = generation + 1`,
      ),
      bump: this.db.prepare(
        'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + ?',
      ),
    };
  }

  /** Records a fetched event before its targets are known (and counts it fetched); returns its inbox id. */
  receive(e: Omit<InboxEvent, 'id' | 'queued'>): number {
    return this.db.transaction(() => {
      const r = this.st.insertInbox.run(e.listener, e.routingKey, e.subject, e.token, Date.now());
      this.st.bump.run('fetched', 1, 1);
      return Number(r.lastInsertRowid);
    })();
  }

  /** Events fetched but not yet queued (after a kill -9): processed again at start. */
  inbox(fetchedBefore = Number.MAX_SAFE_INTEGER): InboxEvent[] {
    return this.db
      .prepare(
        'SELECT id, listener, routing_key AS routingKey, subject, token, queued FROM inbox WHERE fetched_at < ? ORDER BY id',
      )
      .all(fetchedBefore) as InboxEvent[];
  }

  /** Queues targets (coalescing) and marks the inbox row queued, in one transaction. */
  enqueue(targets: Target[], inboxId?: number): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const t of targets) this.st.upsertTarget.run(t.kind, t.uuid, now);
      if (inboxId !== undefined) this.st.markQueued.run(inboxId);
    })();
  }

  /** The events are acknowledged in MO: forget them (and count them acked). */
  acked(inboxIds: number[]): void {
    this.db.transaction(() => {
      for (const id of inboxIds) this.st.deleteInbox.run(id);
      this.st.bump.run('acked', inboxIds.length, inboxIds.length);
    })();
  }

  /** Up to `limit` targets due now, oldest first, skipping `busy` ones. */
  due(limit: number, busy: ReadonlySet<string> = new Set()): QueuedTarget[] {
    const rows = this.db
      .prepare(
        `SELECT kind, uuid, generation, attempts FROM targets WHERE next_attempt_at <= ?
         ORDER BY next_attempt_at, queued_at LIMIT ?`,
      )
      .all(Date.now(), limit + busy.size) as QueuedTarget[];
    return rows.filter((r) => !busy.has(`${r.kind}/${r.uuid}`)).slice(0, limit);
  }

  /** Removes targets that were re-synced, unless they were queued again meanwhile (newer generation). */
  done(targets: QueuedTarget[]): void {
    const del = this.db.prepare('DELETE FROM targets WHERE kind = ? AND uuid = ? AND generation = ?');
    const reset = this.db.prepare(
      'UPDATE targets SET attempts = 0, next_attempt_at = 0, last_error = NULL WHERE kind = ? AND uuid = ?',
    );
    this.db.transaction(() => {
      for (const t of targets)
        if (del.run(t.kind, t.uuid, t.generation).changes === 0) reset.run(t.kind, t.uuid);
    })();
  }

  /** A failed re-sync: the target stays, retried after `delayMs(attempts)`. */
  failed(targets: QueuedTarget[], error: string, delayMs: (attempts: number) => number): void {
    const upd = this.db.prepare(
      'UPDATE targets SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE kind = ? AND uuid = ?',
    );
    this.db.transaction(() => {
      for (const t of targets)
        upd.run(t.attempts + 1, Date.now() + delayMs(t.attempts + 1), error.slice(0, 500), t.kind, t.uuid);
    })();
  }

  depth(): { total: number; failing: number; oldestQueuedAt: number | null } {
    const r = this.db
      .prepare(
        'SELECT COUNT(*) AS total, SUM(attempts > 0) AS failing, MIN(queued_at) AS oldest FROM targets',
      )
      .get() as { total: number; failing: number | null; oldest: number | null };
    return { total: r.total, failing: r.failing ?? 0, oldestQueuedAt: r.oldest };
  }

  /** The failing targets (for status), worst first. */
  failing(limit = 5): { kind: string; uuid: string; attempts: number; error: string | null; next: number }[] {
    return this.db
      .prepare(
        `SELECT kind, uuid, attempts, last_error AS error, next_attempt_at AS next FROM targets
         WHERE attempts > 0 ORDER BY attempts DESC, queued_at LIMIT ?`,
      )
      .all(limit) as { kind: string; uuid: string; attempts: number; error: string | null; next: number }[];
  }

  /** Soonest next attempt of a waiting target (ms epoch), or null. */
  nextDue(): number | null {
    const r = this.db.prepare('SELECT MIN(next_attempt_at) AS n FROM targets').get() as { n: number | null };
    return r.n;
  }

  bump(name: string, by = 1): void {
    this.st.bump.run(name, by, by);
  }

  counters(): Record<string, number> {
    const rows = this.db.prepare('SELECT name, value FROM counters').all() as {
      name: string;
      value: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  close(): void {
    this.db.close();
  }
}
