/**
 * Builds one snapshot from MO: facets, classes and IT systems first (small, kept in memory for titles), then every
 * other entity concurrently, each page mapped and written in one transaction as it arrives.
 */
import { throwIfAborted } from './abort.js';
import type { MoClient } from '../clients/mo.js';
import type { GqlDocument } from '../clients/gql.js';
import { ClassCatalogue, type MoClass } from './class-catalogue.js';
import { localTimestamp } from './dates.js';
import { DirtyData } from './dirty-data.js';
import type { MapContext } from './map-context.js';
import {
  mapKle,
  mapManager,
  mapOrgUnit,
  mapRelatedUnit,
  writeClassTables,
  type MoOrgUnit,
} from './map-org.js';
import {
  mapAddress,
  mapAssociation,
  mapEngagement,
  mapEngagementWithPeriod,
  mapItUser,
  mapLeave,
  mapPerson,
} from './map-person.js';
import type { SnapshotMode } from './paths.js';
import { snapshotTables, type TableName } from './schema.js';
import { CURRENT_QUERIES, ROOT_ORG_QUERY, VALIDITIES_QUERIES, type Entity } from './queries.js';
import { PageQueue } from './page-queue.js';
import { UnitRelations } from './unit-relations.js';
import { SnapshotWriter } from './writer.js';

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
  /** Called after each page: objects fetched per entity and rows written. */
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
 * Objects fetched but not yet written, over all entities: the memory bound. Below it no fetch ever waits for
 * SQLite; at it, every entity's next request waits until the writer has caught up below it.
 */
const MAX_QUEUED_OBJECTS = 20_000;

type Mapper = (ctx: MapContext, uuid: string, records: never[]) => unknown;

/** Phase 2 of a build: each entity's mapper and the tables it fills (indexed as soon as the entity is complete). */
const PHASE2: { entity: Entity; map: Mapper; tables: TableName[] }[] = [
  { entity: 'org_units', map: mapOrgUnit as Mapper, tables: ['enheder'] },
  { entity: 'persons', map: mapPerson as Mapper, tables: ['brugere'] },
  { entity: 'engagements', map: mapEngagement as Mapper, tables: ['engagementer'] },
  { entity: 'addresses', map: mapAddress as Mapper, tables: ['adresser'] },
  { entity: 'itusers', map: mapItUser as Mapper, tables: ['it_forbindelser', 'it_forbindelse_engagementer'] },
  { entity: 'managers', map: mapManager as Mapper, tables: ['ledere', 'leder_ansvar'] },
  { entity: 'associations', map: mapAssociation as Mapper, tables: ['tilknytninger'] },
  { entity: 'leaves', map: mapLeave as Mapper, tables: ['orlover'] },
  { entity: 'kles', map: mapKle as Mapper, tables: ['kle'] },
  { entity: 'related_units', map: mapRelatedUnit as Mapper, tables: ['enhedssammenkobling'] },
];

interface PagedObject {
  uuid: string;
  current?: unknown;
  validities?: unknown[];
}

/** One paged document the build sends, with its variables. */
export interface EntityFetch {
  entity: Entity;
  doc: GqlDocument;
  vars: Record<string, unknown>;
}

/** A phase-2 fetch with what is done with its pages. */
export interface EntityStep extends EntityFetch {
  map: Mapper;
  tables: TableName[];
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
): { phase1: EntityFetch[]; phase2: EntityStep[] } {
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
  const phase2 = PHASE2.map((p): EntityStep => {
    if (actual && p.entity === 'engagements')
      return {
        entity: p.entity,
        doc: VALIDITIES_QUERIES.engagements,
        // Objects valid today or later, each with its whole timeline (explicit nulls: MO reads it afresh).
        vars: { filter: { from_date: today, to_date: null }, start: null, end: null },
        map: mapEngagementWithPeriod as Mapper,
        tables: [...p.tables, 'engagement_perioder'],
      };
    return {
      ...p,
      doc: docs[p.entity as keyof typeof VALIDITIES_QUERIES],
      vars: windowVariables(mode, today),
    };
  });
  return { phase1, phase2 };
}

function records(o: PagedObject): never[] {
  if (o.validities) return o.validities as never[];
  return (o.current ? [o.current] : []) as never[];
}

/** A promise settled from outside; its rejection is observed by whoever awaits it (none is unhandled). */
function settledSignal(): { promise: Promise<void>; resolve(): void; reject(err: unknown): void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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
  const writer = new SnapshotWriter(opts.target, snapshotTables(opts.mode));
  const classes = new ClassCatalogue();
  const dirty = new DirtyData();
  const fetched: Record<string, number> = {};
  let startLevering: Date | undefined;
  const ctx: MapContext = {
    mode: opts.mode,
    today: opts.today,
    classes,
    dirty,
    sink: writer,
    exportCpr: opts.exportCpr,
    resolveDar: opts.resolveDar,
    rootOrgUuid: null,
    primaryManagerResponsibility: opts.primaryManagerResponsibility,
  };
  const pageOpts = opts.pageSize ? { pageSize: opts.pageSize } : {};
  const queue = new PageQueue(writer);

  /**
   * Pages through one document. `onPage` may return a promise (a queued write); the next page is requested at
   * once unless the queue holds MAX_QUEUED_OBJECTS objects (back-pressure only at the memory bound). A failed
   * write stops the fetch at the next page.
   */
  async function each(
    entity: string,
    doc: GqlDocument,
    vars: Record<string, unknown>,
    onPage: (objs: PagedObject[]) => Promise<void> | void,
  ) {
    fetched[entity] = 0;
    const pending: Promise<void>[] = [];
    let failed: { err: unknown } | undefined;
    try {
      for await (const page of opts.client.paged<PagedObject>(doc, vars, pageOpts)) {
        throwIfAborted(opts.signal);
        if (failed) throw failed.err;
        fetched[entity] += page.length;
        opts.onProgress?.(fetched, writer.totalRows);
        const write = onPage(page);
        if (write) {
          write.catch((err: unknown) => (failed ??= { err })); // observed below and at the next page
          pending.push(write);
          await queue.room(MAX_QUEUED_OBJECTS);
        }
      }
      for (const w of pending.splice(0)) await w;
    } catch (err) {
      await Promise.allSettled(pending);
      throw err;
    }
  }

  try {
    const plan = fetchPlan(opts.mode, opts.today);
    const phase1: Record<string, (objs: PagedObject[]) => void> = {
      facets: (objs) => {
        for (const o of objs)
          for (const f of records(o) as { uuid: string; user_key: string }[])
            classes.addFacet(f.uuid, f.user_key);
      },
      classes: (objs) => {
        for (const o of objs)
          for (const c of records(o) as MoClass[]) classes.addClass({ ...c, uuid: o.uuid });
      },
      itsystems: (objs) => {
        for (const o of objs)
          for (const s of records(o) as { name: string }[]) classes.itsystems.set(o.uuid, s.name);
      },
    };
    await allOrFirstError(
      [
        async () => {
          const data = await opts.client.query<{ org: { uuid: string } }>(ROOT_ORG_QUERY);
          ctx.rootOrgUuid = data.org?.uuid ?? null;
        },
        ...plan.phase1.map((f) => () => each(f.entity, f.doc, f.vars, phase1[f.entity]!)),
      ],
      abort,
    );
    startLevering = new Date();
    writer.page(() => writeClassTables(ctx, opts.today));

    // actual mode: units are written once the managers are read (their managers and ancestors are derived)
    const relations = opts.mode === 'actual' ? new UnitRelations() : undefined;
    const managersRead = settledSignal();
    await allOrFirstError(
      plan.phase2.map((f) => async () => {
        const write = (objs: PagedObject[]) => queue.write(objs, (o) => f.map(ctx, o.uuid, records(o)));
        if (relations && f.entity === 'org_units') {
          const units: PagedObject[] = [];
          await each(f.entity, f.doc, f.vars, (objs) => void units.push(...objs));
          await managersRead.promise;
          relations.complete(units.flatMap((o) => records(o)) as MoOrgUnit[]);
          await write(units);
        } else if (f.entity === 'managers') {
          try {
            await each(f.entity, f.doc, f.vars, (objs) => {
              relations?.addManagers(objs.flatMap((o) => records(o)));
              return write(objs);
            });
            managersRead.resolve();
          } catch (err) {
            managersRead.reject(err);
            throw err;
          }
        } else await each(f.entity, f.doc, f.vars, write);
        await queue.steps(f.tables.flatMap((t) => writer.indexSteps(t)));
      }),
      abort,
    );
    throwIfAborted(opts.signal);
    const finished = new Date();
    const rowCounts = writer.finish({
      mode: opts.mode,
      moUrl: opts.moUrl,
      graphqlVersion: opts.graphqlVersion,
      exportCpr: opts.exportCpr,
      primaryManagerResponsibility: opts.primaryManagerResponsibility,
      buildStarted: started,
      kvittering: {
        queryTid,
        startLeveringTid: localTimestamp(opts.timeZone, startLevering),
        slutLeveringTid: localTimestamp(opts.timeZone, finished),
      },
    });
    return {
      rowCounts,
      objectsFetched: { ...fetched },
      warnings: dirty.warnings(),
      seconds: (Date.now() - started.getTime()) / 1000,
      writeSeconds: writer.writeMs / 1000,
    };
  } catch (err) {
    await queue.drain();
    writer.abort();
    throw err;
  }
}
