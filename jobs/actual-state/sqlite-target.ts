/**
 * Copies a snapshot into a SQLite target with DIPEX's work-table swap: load `w<table>`, then in one transaction
 * rename `<table>` → `<table>_old`, `w<table>` → `<table>` and drop the old one. The target runs in WAL mode, so
 * a reader in the middle of a read transaction keeps seeing the whole old data set and never blocks the swap.
 */
import { throwIfAborted } from '../lora-cache/abort.js';
import fs from 'node:fs';
import path from 'node:path';
import DatabaseCtor, { type Database } from 'better-sqlite3';
import {
  INDEXED_COLUMNS,
  KVITTERING_TABLE,
  quoteIdent,
  SNAPSHOT_TABLES,
  sqliteCreateTable,
  type TableDef,
} from '../lora-cache/schema.js';
import type { ExportTimes } from './export-types.js';

const q = quoteIdent;

export interface SqliteExportResult {
  rows: Record<string, number>;
}

function openTarget(file: string): Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'wx', 0o600));
  const db = new DatabaseCtor(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 60000');
  // SQLite's default page cache (2 MB) spills while each work table's indexes are built: ≈20 % of the copy's CPU on L
  db.pragma('cache_size = -65536');
  return db;
}

/** Per-run index names: SQLite cannot rename an index, and the swapped-in table keeps its work-table indexes. */
function indexStatements(table: string, work: string, tag: string): string[] {
  const t = SNAPSHOT_TABLES.find((x) => x.name === table)!;
  return t.columns
    .filter((c) => !c.primaryKey && INDEXED_COLUMNS.includes(c.name))
    .map((c) => `CREATE INDEX ${q(`ix_${table}_${c.name}_${tag}`)} ON ${q(work)} (${q(c.name)})`);
}

export function exportToSqlite(
  snapshotFile: string,
  file: string,
  times: ExportTimes,
  signal?: AbortSignal,
): SqliteExportResult {
  const db = openTarget(file);
  const tag = Date.now().toString(36);
  const rows: Record<string, number> = {};
  try {
    db.exec(`ATTACH DATABASE ${sqlString(snapshotFile)} AS snap`);
    db.exec(sqliteCreateTable(KVITTERING_TABLE).replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
    const kv = db
      .prepare('INSERT INTO kvittering (query_tid, start_levering_tid) VALUES (?, ?)')
      .run(times.queryTid, times.startLeveringTid);
    for (const t of SNAPSHOT_TABLES) {
      throwIfAborted(signal);
      const work = `w${t.name}`;
      const indexes = indexStatements(t.name, work, tag);
      db.transaction(() => {
        dropTableOrView(db, work);
        db.exec(sqliteCreateTable(t, work));
        // SQLite's transfer optimisation: a bare `INSERT INTO t SELECT * FROM u` between tables of one layout
        // copies the records, and the indexes that exist on both sides, as they are, without decoding a row or
        // sorting an index: half the copy's CPU on L. Another layout is copied column by column, indexed after.
        const transfer = sameLayout(db, t);
        const cols = t.columns.map((c) => q(c.name)).join(', ');
        if (transfer) for (const s of indexes) db.exec(s);
        rows[t.name] = db
          .prepare(
            transfer
              ? `INSERT INTO main.${q(work)} SELECT * FROM snap.${q(t.name)}`
              : `INSERT INTO main.${q(work)} (${cols}) SELECT ${cols} FROM snap.${q(t.name)}`,
          )
          .run().changes;
        if (!transfer) for (const s of indexes) db.exec(s);
      })();
    }
    db.exec('DETACH DATABASE snap');
    throwIfAborted(signal);
    db.transaction(() => {
      for (const t of SNAPSHOT_TABLES) {
        const old = `${t.name}_old`;
        dropTableOrView(db, old);
        if (exists(db, t.name)) {
          if (isView(db, t.name)) db.exec(`DROP VIEW ${q(t.name)}`);
          else db.exec(`ALTER TABLE ${q(t.name)} RENAME TO ${q(old)}`);
        }
        db.exec(`ALTER TABLE ${q(`w${t.name}`)} RENAME TO ${q(t.name)}`);
        dropTableOrView(db, old);
      }
      db.prepare('UPDATE kvittering SET slut_levering_tid = ? WHERE id = ?').run(
        times.now(),
        kv.lastInsertRowid,
      );
    })();
    return { rows };
  } finally {
    db.close();
  }
}

/**
 * The snapshot's table has exactly the schema's columns in order, and an index on each column the export indexes.
 * A snapshot of another layout (an older build) is copied column by column instead, with the indexes built after.
 */
function sameLayout(db: Database, t: TableDef): boolean {
  const columns = (db.prepare(`PRAGMA snap.table_info(${q(t.name)})`).all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (columns.join('\0') !== t.columns.map((c) => c.name).join('\0')) return false;
  const indexed = new Set<string>();
  for (const ix of db.prepare(`PRAGMA snap.index_list(${q(t.name)})`).all() as { name: string }[]) {
    const cols = db.prepare(`PRAGMA snap.index_info(${q(ix.name)})`).all() as { name: string }[];
    if (cols.length === 1) indexed.add(cols[0]!.name);
  }
  return t.columns.every((c) => c.primaryKey || !INDEXED_COLUMNS.includes(c.name) || indexed.has(c.name));
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function exists(db: Database, name: string): boolean {
  return !!db
    .prepare("SELECT 1 FROM main.sqlite_master WHERE name = ? AND type IN ('table', 'view')")
    .get(name);
}

function isView(db: Database, name: string): boolean {
  return !!db.prepare("SELECT 1 FROM main.sqlite_master WHERE name = ? AND type = 'view'").get(name);
}

function dropTableOrView(db: Database, name: string): void {
  if (!exists(db, name)) return;
  db.exec(isView(db, name) ? `DROP VIEW main.${q(name)}` : `DROP TABLE main.${q(name)}`);
}
