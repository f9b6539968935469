/**
 * The snapshot's SQL schema: the actual-state tables of specs/lora-cache.md §3.6, final names (no `w` prefix).
 * Table and column names are a public contract (municipalities' BI dashboards read them): never rename.
 * The same definitions drive the SQL export (jobs/actual-state), so column order and types live here only.
 */
import type { Database } from 'better-sqlite3';
import type { SnapshotMode } from './paths.js';

/** Column kinds; SQLite stores booleans as 0/1 and datetimes as ISO-8601 text. */
export type ColumnType = 'id' | 'text' | 'integer' | 'boolean' | 'datetime';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** The table's primary key (`id` autoincrement, or `uuid` for facets, classes and IT systems). */
  readonly primaryKey?: boolean;
}

export interface TableDef {
  readonly name: string;
  /** Every column in order, the primary key included. */
  readonly columns: readonly ColumnDef[];
}

const id: ColumnDef = { name: 'id', type: 'id', primaryKey: true };
const text = (name: string): ColumnDef => ({ name, type: 'text' });
const int = (name: string): ColumnDef => ({ name, type: 'integer' });
const bool = (name: string): ColumnDef => ({ name, type: 'boolean' });
const datetime = (name: string): ColumnDef => ({ name, type: 'datetime' });
const uuidKey: ColumnDef = { name: 'uuid', type: 'text', primaryKey: true };
const validity = [text('startdato'), text('slutdato')];
const udvidelser = Array.from({ length: 10 }, (_, i) => text(`udvidelse_${i + 1}`));

/** The data tables, in the order the export writes them. */
export const SNAPSHOT_TABLES: readonly TableDef[] = [
  { name: 'facetter', columns: [uuidKey, text('bvn')] },
  { name: 'klasser', columns: [uuidKey, text('bvn'), text('titel'), text('facet_uuid'), text('facet_bvn')] },
  {
    name: 'enheder',
    columns: [
      id,
      text('uuid'),
      text('navn'),
      text('bvn'),
      text('forældreenhed_uuid'),
      text('enhedstype_uuid'),
      text('enhedstype_titel'),
      text('enhedsniveau_uuid'),
      text('enhedsniveau_titel'),
      text('tidsregistrering_uuid'),
      text('tidsregistrering_titel'),
      text('organisatorisk_sti'),
      text('leder_uuid'),
      text('fungerende_leder_uuid'),
      text('opmærkning_uuid'),
      text('opmærkning_titel'),
      ...validity,
    ],
  },
  {
    name: 'brugere',
    columns: [
      id,
      text('uuid'),
      text('bvn'),
      text('fornavn'),
      text('efternavn'),
      text('kaldenavn_fornavn'),
      text('kaldenavn_efternavn'),
      text('cpr'),
      ...validity,
    ],
  },
  {
    name: 'adresser',
    columns: [
      id,
      text('uuid'),
      text('bvn'),
      text('bruger_uuid'),
      text('enhed_uuid'),
      text('engagement_uuid'),
      text('ituser_uuid'),
      text('værdi'),
      text('dar_uuid'),
      text('adressetype_uuid'),
      text('adressetype_bvn'),
      text('adressetype_scope'),
      text('adressetype_titel'),
      text('synlighed_uuid'),
      text('synlighed_scope'),
      text('synlighed_titel'),
      ...validity,
    ],
  },
  {
    name: 'dar_adresser',
    columns: [
      id,
      text('uuid'),
      text('vejkode'),
      text('vejnavn'),
      text('husnr'),
      text('etage'),
      text('dør'),
      text('postnr'),
      text('postnrnavn'),
      text('kommunekode'),
      text('adgangsadresseid'),
      text('betegnelse'),
    ],
  },
  {
    name: 'engagementer',
    columns: [
      id,
      text('uuid'),
      text('bruger_uuid'),
      text('enhed_uuid'),
      text('bvn'),
      int('arbejdstidsfraktion'),
      text('engagementstype_uuid'),
      text('engagementstype_titel'),
      text('primærtype_uuid'),
      text('primærtype_titel'),
      text('stillingsbetegnelse_uuid'),
      text('stillingsbetegnelse_titel'),
      bool('primær_boolean'),
      ...udvidelser,
      ...validity,
    ],
  },
  {
    name: 'tilknytninger',
    columns: [
      id,
      text('uuid'),
      text('bvn'),
      text('bruger_uuid'),
      text('enhed_uuid'),
      text('tilknytningstype_uuid'),
      text('tilknytningstype_titel'),
      text('stillingsbetegnelse_uuid'),
      text('stillingsbetegnelse_titel'),
      text('it_forbindelse_uuid'),
      ...validity,
      bool('primær_boolean'),
      text('faglig_organisation'),
    ],
  },
  {
    name: 'orlover',
    columns: [
      id,
      text('uuid'),
      text('bvn'),
      text('bruger_uuid'),
      text('orlovstype_uuid'),
      text('orlovstype_titel'),
      text('engagement_uuid'),
      ...validity,
    ],
  },
  {
    name: 'ledere',
    columns: [
      id,
      text('uuid'),
      text('bruger_uuid'),
      text('enhed_uuid'),
      text('ledertype_uuid'),
      text('ledertype_titel'),
      text('niveautype_uuid'),
      text('niveautype_titel'),
      ...validity,
    ],
  },
  {
    name: 'leder_ansvar',
    columns: [id, text('leder_uuid'), text('lederansvar_uuid'), text('lederansvar_titel'), ...validity],
  },
  { name: 'it_systemer', columns: [uuidKey, text('navn')] },
  {
    name: 'it_forbindelser',
    columns: [
      id,
      text('uuid'),
      text('it_system_uuid'),
      text('bruger_uuid'),
      text('enhed_uuid'),
      text('brugernavn'),
      text('eksternt_id'),
      bool('primær_boolean'),
      ...validity,
    ],
  },
  {
    name: 'it_forbindelse_engagementer',
    columns: [id, text('it_forbindelse_uuid'), text('engagement_uuid'), ...validity],
  },
  {
    name: 'kle',
    columns: [
      id,
      text('uuid'),
      text('enhed_uuid'),
      text('kle_aspekt_uuid'),
      text('kle_aspekt_titel'),
      text('kle_nummer_uuid'),
      text('kle_nummer_titel'),
      ...validity,
    ],
  },
  {
    name: 'enhedssammenkobling',
    columns: [id, text('uuid'), text('enhed1_uuid'), text('enhed2_uuid'), ...validity],
  },
];

/**
 * Not in §3.6 (an addition of this project, actual mode only): one row per engagement valid today or starting
 * later, with its whole period, so OS2sync's `use_lc_db` needs nothing from MO. The data columns come from the
 * validity in effect today (else the first future one: startdato/slutdato are that validity's);
 * `første_startdato` is the earliest validity start and `sidste_slutdato` the last end (`9999-12-31` = open).
 * The SQL export does not copy it: its targets hold the §3.6 contract.
 */
export const ENGAGEMENT_PERIODS_TABLE: TableDef = {
  name: 'engagement_perioder',
  columns: [
    id,
    text('uuid'),
    text('bruger_uuid'),
    text('enhed_uuid'),
    text('bvn'),
    text('stillingsbetegnelse_uuid'),
    text('stillingsbetegnelse_titel'),
    bool('primær_boolean'),
    ...udvidelser,
    ...validity,
    text('første_startdato'),
    text('sidste_slutdato'),
  ],
};

/** The data tables of a snapshot in `mode`: §3.6's, plus `engagement_perioder` in the actual state. */
export function snapshotTables(mode: SnapshotMode): readonly TableDef[] {
  return mode === 'actual' ? [...SNAPSHOT_TABLES, ENGAGEMENT_PERIODS_TABLE] : SNAPSHOT_TABLES;
}

/** One row per build (DIPEX's receipt): never cleared in export targets. */
export const KVITTERING_TABLE: TableDef = {
  name: 'kvittering',
  columns: [id, datetime('query_tid'), datetime('start_levering_tid'), datetime('slut_levering_tid')],
};

/**
 * The snapshot's own metadata: exactly one row. `row_counts` is a JSON object {table: rows}.
 * Times are ISO-8601 UTC; `build_started` is when MO was first queried.
 */
export const SNAPSHOT_INFO_TABLE: TableDef = {
  name: 'snapshot_info',
  columns: [
    text('mode'),
    text('mo_url'),
    text('graphql_version'),
    datetime('build_started'),
    datetime('build_finished'),
    bool('export_cpr'),
    text('primary_manager_responsibility'),
    text('row_counts'),
    text('builder'),
  ],
};

export type TableName =
  | 'facetter'
  | 'klasser'
  | 'enheder'
  | 'brugere'
  | 'adresser'
  | 'dar_adresser'
  | 'engagementer'
  | 'tilknytninger'
  | 'orlover'
  | 'ledere'
  | 'leder_ansvar'
  | 'it_systemer'
  | 'it_forbindelser'
  | 'it_forbindelse_engagementer'
  | 'kle'
  | 'enhedssammenkobling'
  | 'engagement_perioder';

export const SNAPSHOT_TABLE_NAMES = SNAPSHOT_TABLES.map((t) => t.name) as readonly TableName[];

/** Columns that get an index in every table that has them (besides the primary key). */
export const INDEXED_COLUMNS: readonly string[] = [
  'uuid',
  'bruger_uuid',
  'enhed_uuid',
  'engagement_uuid',
  'forældreenhed_uuid',
  'leder_uuid',
  'it_forbindelse_uuid',
  'facet_uuid',
];

export function tableDef(name: string): TableDef {
  const t = [...SNAPSHOT_TABLES, ENGAGEMENT_PERIODS_TABLE, KVITTERING_TABLE, SNAPSHOT_INFO_TABLE].find(
    (x) => x.name === name,
  );
  if (!t) throw new Error(`unknown snapshot table ${name}`);
  return t;
}

/** Column names of a table, in order. */
export function columnNames(table: string): string[] {
  return tableDef(table).columns.map((c) => c.name);
}

/** Quotes an identifier (column names hold æ and ø). Works for SQLite and PostgreSQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqliteType(c: ColumnDef): string {
  switch (c.type) {
    case 'id':
      return 'INTEGER PRIMARY KEY';
    case 'integer':
    case 'boolean':
      return 'INTEGER';
    default:
      return c.primaryKey ? 'TEXT PRIMARY KEY' : 'TEXT';
  }
}

/** `CREATE TABLE` for SQLite, optionally under another name (work tables). */
export function sqliteCreateTable(t: TableDef, as = t.name): string {
  const cols = t.columns.map((c) => `${quoteIdent(c.name)} ${sqliteType(c)}`).join(', ');
  return `CREATE TABLE ${quoteIdent(as)} (${cols})`;
}

/** `CREATE INDEX` statements for a table's indexed columns. */
export function createIndexes(t: TableDef, as = t.name): string[] {
  return t.columns
    .filter((c) => !c.primaryKey && INDEXED_COLUMNS.includes(c.name))
    .map(
      (c) => `CREATE INDEX ${quoteIdent(`ix_${as}_${c.name}`)} ON ${quoteIdent(as)} (${quoteIdent(c.name)})`,
    );
}

/**
 * Creates every table (default: the actual snapshot's), index, `w<table>` compatibility view, `kvittering` and
 * `snapshot_info` in an empty database. Indexes are created up front; the builder may instead call it with `{indexes: false}` and
 * `createSnapshotIndexes` after the bulk load, which is faster.
 */
export function createSnapshotSchema(
  db: Database,
  opts: { indexes?: boolean; tables?: readonly TableDef[] } = {},
): void {
  const tables = opts.tables ?? snapshotTables('actual');
  const ddl: string[] = [];
  for (const t of tables) {
    ddl.push(sqliteCreateTable(t));
    ddl.push(`CREATE VIEW ${quoteIdent(`w${t.name}`)} AS SELECT * FROM ${quoteIdent(t.name)}`);
  }
  ddl.push(sqliteCreateTable(KVITTERING_TABLE));
  ddl.push(sqliteCreateTable(SNAPSHOT_INFO_TABLE));
  db.transaction(() => {
    for (const s of ddl) db.exec(s);
  })();
  if (opts.indexes !== false) createSnapshotIndexes(db, tables);
}

export function createSnapshotIndexes(db: Database, tables = snapshotTables('actual')): void {
  db.transaction(() => {
    for (const t of tables)
      for (const s of createIndexes(t)) db.exec(s.replace('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS'));
  })();
}
