/**
 * Builds one snapshot from MO. This (the fetch) thread only sends MO's requests and hands each page's response
 * bytes to the writer thread (writer-thread.ts), which parses, maps and writes it: facets, classes and IT systems
 * first (kept there for titles), then every other entity fetched concurrently.
 */
import { throwIfAborted } from './abort.js';
import type { MoClient } from '../clients/mo.js';
import type { GqlDocument } from '../clients/gql.js';
import { localTimestamp } from './dates.js';
import type { SnapshotMode } from './paths.js';
import { CURRENT_QUERIES, ROOT_ORG_QUERY, VALIDITIES_QUERIES, type Entity } from './queries.js';
import { WriterThread } from './writer-thread.js';

export interface BuildOptions {
  mode: SnapshotMode;
  client: MoClient;
  target: string;
  /** YYYY-MM-DD in runner.timezone: MO's "now" for skip-past and the current class. */
  today: string;
  timeZone: string;
  exportCpr: boolean;
  resolveDar: boolean;
  primaryManagerResponsibility: string | null;
  moUrl: string;
  graphqlVersion: string;
  pageSize?: number;
  signal?: AbortSignal;
  /** Called after each page written: objects fetched (in the pages written) per entity and rows written. */
  onProgress?(fetched: Readonly<Record<string, number>>, rowsWritten: number): void;
}

export interface BuildResult {
  rowCounts: Record<string, number>;
  objectsFetched: Record<string, number>;
  warnings: string[];
  seconds: number;
  /** Seconds spent in SQLite (mapping and writing pages, indexes, metadata): the insert-rate denominator. */
  writeSeconds: number;
}

/**
 * Bytes of response bodies handed to the writer thread and not yet written: the memory bound (64 MB, far above
 * what a fast writer lets pile up). Below it no fetch ever waits for SQLite; at it,
 * every entity's next request waits until the writer has caught up below it.
 */
const MAX_QUEUED_BYTES = 64 * 2 ** 20;

/** Phase 2: fetched concurrently once the classes are known. */
const PHASE2: Entity[] = [
  'org_units',
  'persons',
  'engagements',
  'addresses',
  'itusers',
  'managers',
  'associations',
  'leaves',
  'kles',
  'related_units',
];

/** One paged document the build sends, with its variables. */
export interface EntityFetch {
  entity: Entity;
  doc: GqlDocument;
  vars: Record<string, unknown>;
}

function windowVariables(mode: SnapshotMode, today: string): Record<string, unknown> {
  if (mode === 'actual') return {};
  const start = mode === 'historic' ? null : today;
  return { filter: { from_date: start, to_date: null }, start, end: null };
}

/**
 * Every paged document a build in `mode` sends: phase 1 (facets, classes, IT systems: kept in memory for titles)
 * and then phase 2, fetched concurrently. The bench fetches exactly these to measure the build's overhead.
 * In actual mode engagements are read with their whole timeline from today on: the validity in effect today
 * fills `engagementer`, the timeline `engagement_perioder`, from one read.
 */
export function fetchPlan(
  mode: SnapshotMode,
  today: string,
): { phase1: EntityFetch[]; phase2: EntityFetch[] } {
  const actual = mode === 'actual';
  const phase1: EntityFetch[] = [
    { entity: 'facets', doc: CURRENT_QUERIES.facets, vars: {} },
    {
      entity: 'classes',
      doc: actual ? CURRENT_QUERIES.classes : VALIDITIES_QUERIES.classes,
      vars: actual ? {} : windowVariables('historic', today),
    },
    { entity: 'itsystems', doc: CURRENT_QUERIES.itsystems, vars: {} },
  ];
  const docs = actual ? CURRENT_QUERIES : VALIDITIES_QUERIES;
  const phase2 = PHASE2.map((entity): EntityFetch => {
    if (actual && entity === 'engagements')
      return {
        entity,
        doc: VALIDITIES_QUERIES.engagements,
        // Objects valid today or later, each with its whole timeline (explicit nulls: MO reads it afresh).
        vars: { filter: { from_date: today, to_date: null }, start: null, end: null },
      };
    return {
      entity,
      doc: docs[entity as keyof typeof VALIDITIES_QUERIES],
      vars: windowVariables(mode, today),
    };
  });
  return { phase1, phase2 };
}

/** Runs `tasks` concurrently; the first failure aborts the others and is rethrown once all have stopped. */
async function allOrFirstError(tasks: (() => Promise<void>)[], abort: () => void): Promise<void> {
  let first: unknown;
  await Promise.all(
    tasks.map((t) =>
      t().catch((err: unknown) => {
        if (first === undefined) {
          first = err;
          abort();
        }
      }),
    ),
  );
  if (first !== undefined) throw first;
}

export async function buildSnapshot(opts: BuildOptions, abort: () => void): Promise<BuildResult> {
  const started = new Date();
  const queryTid = localTimestamp(opts.timeZone, started);
  const pageOpts = opts.pageSize ? { pageSize: opts.pageSize } : {};
  const writer = new WriterThread(
    {
      mode: opts.mode,
      target: opts.target,
      today: opts.today,
      exportCpr: opts.exportCpr,
      resolveDar: opts.resolveDar,
      primaryManagerResponsibility: opts.primaryManagerResponsibility,
    },
    MAX_QUEUED_BYTES,
    abort,
    (objects, rows) => opts.onProgress?.(objects, rows),
  );

  /** Pages through one document, handing each page to the writer; then tells it the entity is complete. */
  async function each(f: EntityFetch) {
    for await (const body of opts.client.pagedBytes(f.doc, f.vars, pageOpts)) {
      throwIfAborted(opts.signal);
      await writer.page(f.entity, body);
    }
    writer.send({ type: 'done', entity: f.entity });
  }

  try {
    const plan = fetchPlan(opts.mode, opts.today);
    await allOrFirstError(
      [
        async () => {
          const data = await opts.client.query<{ org: { uuid: string } }>(ROOT_ORG_QUERY);
          writer.send({ type: 'root', uuid: data.org?.uuid ?? null });
        },
        ...plan.phase1.map((f) => () => each(f)),
      ],
      abort,
    );
    const startLevering = new Date();
    writer.send({ type: 'classes-done' });
    await allOrFirstError(
      plan.phase2.map((f) => () => each(f)),
      abort,
    );
    throwIfAborted(opts.signal);
    const result = await writer.finish(
      {
        type: 'finish',
        meta: {
          mode: opts.mode,
          moUrl: opts.moUrl,
          graphqlVersion: opts.graphqlVersion,
          exportCpr: opts.exportCpr,
          primaryManagerResponsibility: opts.primaryManagerResponsibility,
          buildStarted: started,
          kvittering: { queryTid, startLeveringTid: localTimestamp(opts.timeZone, startLevering) },
        },
        timeZone: opts.timeZone,
      },
      opts.signal,
    );
    return {
      rowCounts: result.rowCounts,
      objectsFetched: { ...writer.objectsRead },
      warnings: result.warnings,
      seconds: (Date.now() - started.getTime()) / 1000,
      writeSeconds: result.writeMs / 1000,
    };
  } catch (err) {
    // the writer's failure, not the aborted fetches it caused
    throw writer.failure ?? err;
  } finally {
    await writer.stop();
  }
}
