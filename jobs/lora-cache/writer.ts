/**
 * Writes one snapshot: a temp file (mode 0600) in the target's directory, one transaction, indexes after each
 * table's bulk load, then metadata, mode 0400 and an atomic rename over the previous snapshot. `abort()` deletes the
 * temp file, so a failed build leaves the previous snapshot as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import DatabaseCtor, { type Database, type Statement } from 'better-sqlite3';
import { openTemp, type TempFile } from '../../orchestrator/atomic-write.js';
import type { Row, RowSink } from './map-context.js';
import {
  columnNames,
  createIndexes,
  createSnapshotIndexes,
  createSnapshotSchema,
  quoteIdent,
  snapshotTables,
  type TableDef,
  type TableName,
} from './schema.js';

export interface SnapshotMetadata {
  mode: string;
  moUrl: string;
  graphqlVersion: string;
  exportCpr: boolean;
  primaryManagerResponsibility: string | null;
  /** Local timestamps for `kvittering` (DIPEX wrote naive local times). */
  kvittering: { queryTid: string; startLeveringTid: string; slutLeveringTid: string };
  buildStarted: Date;
}

/** Rows per multi-row INSERT: fewer statement executions, the main cost of per-row inserts. */
const BATCH_ROWS = 64;

interface Inserter {
  one: Statement;
  batch: Statement;
  columns: string[];
  /** Flat values of rows not yet inserted (fewer than BATCH_ROWS between calls). */
  pending: (string | number | null)[];
}

function sqlValue(v: Row[string]): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

export class SnapshotWriter implements RowSink {
  readonly tempPath: string;
  private readonly temp: TempFile;
  private readonly db: Database;
  private readonly inserters = new Map<string, Inserter>();
  private readonly darUpsert: Statement;
  private readonly counts = new Map<string, number>();
  private closed = false;
  /** Time spent writing pages and finishing (ms): the SQLite part of the build. */
  writeMs = 0;

  constructor(
    readonly target: string,
    private readonly tables: readonly TableDef[] = snapshotTables('actual'),
  ) {
    const dir = path.dirname(target);
    fs.mkdirSync(dir, { recursive: true });
    this.temp = openTemp(target, { mode: 0o600 });
    this.tempPath = this.temp.path;
    this.db = new DatabaseCtor(this.tempPath);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('cache_size = -32768');
    this.db.pragma('temp_store = FILE');
    createSnapshotSchema(this.db, { indexes: false, tables });
    this.db.exec('CREATE TEMP TABLE dar_staging (uuid TEXT PRIMARY KEY, betegnelse TEXT)');
    this.darUpsert = this.db.prepare(
      'INSERT INTO dar_staging (uuid, betegnelse) VALUES (?, ?) ON CONFLICT(uuid) DO UPDATE SET betegnelse = excluded.betegnelse',
    );
    for (const t of tables) {
      const columns = columnNames(t.name).filter((c) => c !== 'id');
      const head = `INSERT INTO ${quoteIdent(t.name)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      this.inserters.set(t.name, {
        one: this.db.prepare(head + tuple),
        batch: this.db.prepare(head + Array.from({ length: BATCH_ROWS }, () => tuple).join(', ')),
        columns,
        pending: [],
      });
      this.counts.set(t.name, 0);
    }
    // One transaction for the whole build (a failed build discards the file, so nothing needs undoing). Per-page
    // commits wrote every dirty page at each commit: the same cost for tables indexed after their load, but an
    // index kept up to date during the load (the last entity's, see SnapshotAssembler) dirties pages all over
    // it, and committing them per page made each row ≈ 4 times as dear.
    this.db.exec('BEGIN');
  }

  add(table: TableName, row: Row): void {
    const ins = this.inserters.get(table)!;
    for (const c of ins.columns) ins.pending.push(sqlValue(row[c]));
    if (ins.pending.length === BATCH_ROWS * ins.columns.length) {
      ins.batch.run(ins.pending);
      ins.pending.length = 0;
    }
    this.counts.set(table, this.counts.get(table)! + 1);
  }

  darAddress(darUuid: string, betegnelse: string | null): void {
    this.darUpsert.run(darUuid, betegnelse);
  }

  /** Runs `fn` (which calls add): one page. */
  page<T>(fn: () => T): T {
    const result = this.timed(() => {
      const r = fn();
      this.flushPending();
      return r;
    });
    // the pages SQLite has written so far go to disk while MO is still answering: the fsync before the rename
    // (≈ 0.3 s on L, all of it after MO's last answer otherwise) then only writes the last few
    this.temp.writeBack();
    return result;
  }

  /** Runs `fn`, counting its time as SQLite time. */
  timed<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.writeMs += performance.now() - t0;
    }
  }

  private flushPending(): void {
    for (const ins of this.inserters.values()) {
      const n = ins.columns.length;
      for (let i = 0; i < ins.pending.length; i += n) ins.one.run(ins.pending.slice(i, i + n));
      ins.pending.length = 0;
    }
  }

  /** One step per index of `table` (created early, while other entities are still being fetched). */
  indexSteps(table: TableName): (() => void)[] {
    const t = this.tables.find((x) => x.name === table)!;
    return createIndexes(t).map(
      (sql) => () => this.db.exec(sql.replace('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS')),
    );
  }

  /** The indexes `table` has now. */
  indexesOf(table: TableName): string[] {
    return (
      this.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
        .pluck()
        .all(table) as string[]
    ).sort();
  }

  /** Rows written so far, per table. */
  rowCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  get totalRows(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Completes the snapshot and renames it into place. Returns the final row counts. */
  finish(meta: SnapshotMetadata): Record<string, number> {
    const t0 = performance.now();
    const dar = this.db
      .prepare(
        'INSERT INTO dar_adresser (uuid, betegnelse) SELECT uuid, betegnelse FROM dar_staging ORDER BY rowid',
      )
      .run();
    this.counts.set('dar_adresser', this.counts.get('dar_adresser')! + dar.changes);
    createSnapshotIndexes(this.db, this.tables);
    const counts = this.rowCounts();
    this.db
      .prepare('INSERT INTO kvittering (query_tid, start_levering_tid, slut_levering_tid) VALUES (?, ?, ?)')
      .run(meta.kvittering.queryTid, meta.kvittering.startLeveringTid, meta.kvittering.slutLeveringTid);
    this.db
      .prepare(
        `INSERT INTO snapshot_info (mode, mo_url, graphql_version, build_started, build_finished, export_cpr,
           primary_manager_responsibility, row_counts, builder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        meta.mode,
        meta.moUrl,
        meta.graphqlVersion,
        meta.buildStarted.toISOString(),
        new Date().toISOString(),
        meta.exportCpr ? 1 : 0,
        meta.primaryManagerResponsibility,
        JSON.stringify(counts),
        'os2mo-job-runner',
      );
    this.db.exec('DROP TABLE temp.dar_staging');
    this.db.exec('COMMIT');
    this.db.pragma('journal_mode = DELETE');
    this.db.close();
    this.closed = true;
    this.temp.commit(0o400);
    this.writeMs += performance.now() - t0;
    return counts;
  }

  /** Discards the build: the previous snapshot stays as it was. */
  abort(): void {
    if (!this.closed) {
      try {
        this.db.close();
      } catch {
        /* already closed or broken: the file is removed below anyway */
      }
      this.closed = true;
    }
    this.temp.discard();
  }
}
