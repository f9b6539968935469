/** A snapshot file written directly with createSnapshotSchema: every table, awkward values, for the export tests. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createSnapshotSchema,
  quoteIdent,
  SNAPSHOT_TABLES,
  type ColumnDef,
} from '../../jobs/lora-cache/schema.js';

const AWKWARD = [
  'Ærø Kommune',
  'a "quoted" {brace}, comma',
  'back\\slash',
  "it's",
  '',
  'NULL',
  'tab\there',
  'ny\nlinje',
];

function value(c: ColumnDef, table: string, i: number): string | number | null {
  if (c.type === 'integer') return i % 7 === 0 ? null : i * 3;
  if (c.type === 'boolean') return i % 3 === 0 ? null : i % 3 === 1 ? 1 : 0;
  if (c.name === 'uuid' || c.name.endsWith('_uuid'))
    return i % 11 === 5 && c.name !== 'uuid' ? null : `${table}-${c.name}-${i}`;
  if (c.name === 'startdato') return '2020-01-01';
  if (c.name === 'slutdato') return i % 2 ? '9999-12-31' : '2030-06-30';
  if (i % 13 === 4) return null;
  return `${AWKWARD[i % AWKWARD.length]} ${i}`;
}

/** Writes `rowsPerTable` rows into every table; returns the file path. */
export function writeSampleSnapshot(
  dir: string,
  rowsPerTable: number,
  name = 'actual_state.db',
  started = new Date(),
): string {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  createSnapshotSchema(db);
  const counts: Record<string, number> = {};
  db.transaction(() => {
    for (const t of SNAPSHOT_TABLES) {
      const cols = t.columns.filter((c) => c.type !== 'id');
      const ins = db.prepare(
        `INSERT INTO ${quoteIdent(t.name)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      );
      for (let i = 0; i < rowsPerTable; i++) ins.run(cols.map((c) => value(c, t.name, i)));
      counts[t.name] = rowsPerTable;
    }
    db.prepare(
      "INSERT INTO kvittering (query_tid, start_levering_tid, slut_levering_tid) VALUES ('2026-11-23 02:00:00.000', '2026-11-23 02:00:01.000', '2026-11-23 02:03:00.000')",
    ).run();
    db.prepare(
      `INSERT INTO snapshot_info (mode, mo_url, graphql_version, build_started, build_finished, export_cpr, row_counts, builder)
       VALUES (?, 'http://mo', '29', ?, ?, 1, ?, 'test')`,
    ).run(
      name.startsWith('historic') ? 'historic' : 'actual',
      started.toISOString(),
      started.toISOString(),
      JSON.stringify(counts),
    );
  })();
  db.close();
  return file;
}

/** Every row of a table from a SQLite database, ordered, booleans as 0/1. */
export function sqliteRows(db: Database.Database, table: string): unknown[][] {
  const t = SNAPSHOT_TABLES.find((x) => x.name === table)!;
  const key = t.columns[0].name;
  return db
    .prepare(
      `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(table)} ORDER BY ${quoteIdent(key)}`,
    )
    .raw(true)
    .all() as unknown[][];
}
