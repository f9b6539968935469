/**
 * Copies a snapshot into PostgreSQL with the work-table swap. Rows go in batches through
 * `INSERT … SELECT * FROM unnest($1::text[], $2::int[], …)`: one array parameter per column, so a batch of
 * thousands of rows is one statement without hitting the 65,535-parameter limit (COPY-like speed, no extra package).
 * The swap is one transaction (PostgreSQL has transactional DDL): a reader sees the whole old or the whole new
 * table; one holding a transaction on a table delays the swap until it ends.
 */
import { throwIfAborted } from '../lora-cache/abort.js';
import pg from 'pg';
import type { Database } from 'better-sqlite3';
import {
  INDEXED_COLUMNS,
  quoteIdent,
  SNAPSHOT_TABLES,
  type ColumnDef,
  type TableDef,
} from '../lora-cache/schema.js';
import type { ExportTimes } from './export-types.js';

const q = quoteIdent;

export interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
}

function pgType(c: ColumnDef): string {
  switch (c.type) {
    case 'id':
      return 'INTEGER PRIMARY KEY';
    case 'integer':
      return 'INTEGER';
    case 'boolean':
      return 'BOOLEAN';
    case 'datetime':
      return 'TIMESTAMP';
    default:
      return c.primaryKey ? 'TEXT PRIMARY KEY' : 'TEXT';
  }
}

const ARRAY_TYPE: Record<ColumnDef['type'], string> = {
  id: 'integer[]',
  integer: 'integer[]',
  boolean: 'boolean[]',
  datetime: 'timestamp[]',
  text: 'text[]',
};

export function pgCreateTable(t: TableDef, as = t.name): string {
  return `CREATE TABLE ${q(as)} (${t.columns.map((c) => `${q(c.name)} ${pgType(c)}`).join(', ')})`;
}

const KVITTERING_DDL = `CREATE TABLE IF NOT EXISTS kvittering (id SERIAL PRIMARY KEY, query_tid TIMESTAMP, start_levering_tid TIMESTAMP, slut_levering_tid TIMESTAMP)`;

export interface PostgresExportOptions {
  batchRows?: number;
  signal?: AbortSignal;
  onRows?(table: string, rows: number): void;
}

/** Opens a client; `signal` ends the connection (and with it any statement in progress). */
export async function connectPostgres(conn: PostgresConnection, signal?: AbortSignal): Promise<pg.Client> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    database: conn.database,
    user: conn.user,
    password: conn.password,
    connectionTimeoutMillis: 30_000,
    application_name: 'os2mo-job-runner',
  });
  await client.connect();
  client.on('error', () => undefined);
  signal?.addEventListener('abort', () => void client.end().catch(() => undefined), { once: true });
  return client;
}

/** A PostgreSQL array literal of one column's batch (faster than pg's generic per-element serialisation). */
export function pgArrayLiteral(values: readonly unknown[], type: ColumnDef['type']): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (type === 'boolean') parts[i] = v === 1 || v === true ? 't' : 'f';
    else if (type === 'id' || type === 'integer') parts[i] = String(v);
    else {
      const str = String(v);
      parts[i] = /["\\]/.test(str) ? `"${str.replace(/["\\]/g, '\\$&')}"` : `"${str}"`;
    }
  }
  return `{${parts.join(',')}}`;
}

/**
 * Copies one table in batches. The next batch is read and serialised while the server inserts the previous one
 * (at most one batch in flight, so memory stays bounded).
 */
async function copyTable(
  client: pg.Client,
  snapshot: Database,
  t: TableDef,
  work: string,
  opts: PostgresExportOptions,
): Promise<number> {
  const batchRows = opts.batchRows ?? 5000;
  const cols = t.columns;
  const insert = `INSERT INTO ${q(work)} (${cols.map((c) => q(c.name)).join(', ')}) SELECT * FROM unnest(${cols
    .map((c, i) => `$${i + 1}::${ARRAY_TYPE[c.type]}`)
    .join(', ')})`;
  const select = snapshot
    .prepare(`SELECT ${cols.map((c) => q(c.name)).join(', ')} FROM ${q(t.name)}`)
    .raw(true);
  let arrays: unknown[][] = cols.map(() => []);
  let inBatch = 0;
  let total = 0;
  let inFlight: Promise<unknown> | undefined;
  const send = async () => {
    if (inBatch === 0) return;
    const values = arrays.map((a, i) => pgArrayLiteral(a, cols[i].type));
    const n = inBatch;
    arrays = cols.map(() => []);
    inBatch = 0;
    if (inFlight) await inFlight;
    throwIfAborted(opts.signal);
    inFlight = client.query({ text: insert, values }).then(() => {
      total += n;
      opts.onRows?.(t.name, total);
    });
    // a failure is seen by the next await; keep it from being reported as unhandled meanwhile
    inFlight.catch(() => undefined);
  };
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    for (let i = 0; i < row.length; i++) arrays[i].push(row[i]);
    if (++inBatch >= batchRows) await send();
  }
  await send();
  if (inFlight) await inFlight;
  return total;
}

export async function exportToPostgres(
  client: pg.Client,
  snapshot: Database,
  times: ExportTimes,
  opts: PostgresExportOptions = {},
): Promise<{ rows: Record<string, number> }> {
  const rows: Record<string, number> = {};
  await client.query(KVITTERING_DDL);
  const kv = await client.query<{ id: number }>(
    'INSERT INTO kvittering (query_tid, start_levering_tid) VALUES ($1, $2) RETURNING id',
    [times.queryTid, times.startLeveringTid],
  );
  for (const t of SNAPSHOT_TABLES) {
    throwIfAborted(opts.signal);
    const work = `w${t.name}`;
    await client.query(`DROP TABLE IF EXISTS ${q(work)}`);
    await client.query(pgCreateTable(t, work));
    rows[t.name] = await copyTable(client, snapshot, t, work, opts);
    for (const c of t.columns.filter((c) => !c.primaryKey && INDEXED_COLUMNS.includes(c.name)))
      await client.query(`CREATE INDEX ${q(`ix_${work}_${c.name}`)} ON ${q(work)} (${q(c.name)})`);
  }
  throwIfAborted(opts.signal);
  await client.query('BEGIN');
  try {
    for (const t of SNAPSHOT_TABLES) {
      const old = `${t.name}_old`;
      await client.query(`DROP TABLE IF EXISTS ${q(old)}`);
      await client.query(`ALTER TABLE IF EXISTS ${q(t.name)} RENAME TO ${q(old)}`);
      await client.query(`ALTER TABLE ${q(`w${t.name}`)} RENAME TO ${q(t.name)}`);
      await client.query(`DROP TABLE IF EXISTS ${q(old)}`);
      for (const c of t.columns.filter((c) => !c.primaryKey && INDEXED_COLUMNS.includes(c.name)))
        await client.query(
          `ALTER INDEX ${q(`ix_w${t.name}_${c.name}`)} RENAME TO ${q(`ix_${t.name}_${c.name}`)}`,
        );
      if (t.columns[0].primaryKey)
        await client.query(`ALTER INDEX IF EXISTS ${q(`w${t.name}_pkey`)} RENAME TO ${q(`${t.name}_pkey`)}`);
    }
    await client.query('UPDATE kvittering SET slut_levering_tid = $1 WHERE id = $2', [
      times.now(),
      kv.rows[0].id,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return { rows };
}
