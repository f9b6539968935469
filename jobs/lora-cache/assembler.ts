/**
 * The writer thread's work: maps MO's pages into snapshot rows and writes them, one transaction per page, in the
 * order the fetch thread sent them. Holds what mapping needs: the class catalogue (phase 1), the dirty-data
 * collector and, in actual mode, the managers and units from which each unit's managers and ancestors are derived.
 */
import { ClassCatalogue, type MoClass } from './class-catalogue.js';
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
import type { Entity } from './queries.js';
import { snapshotTables, type TableName } from './schema.js';
import { UnitRelations } from './unit-relations.js';
import type { WriterSetup } from './writer-messages.js';
import { SnapshotWriter, type SnapshotMetadata } from './writer.js';

type Mapper = (ctx: MapContext, uuid: string, records: never[]) => unknown;

/** Each phase-2 entity's mapper and the tables it fills (indexed as soon as the entity is complete). */
const PHASE2: Partial<Record<Entity, { map: Mapper; tables: TableName[] }>> = {
  org_units: { map: mapOrgUnit as Mapper, tables: ['enheder'] },
  persons: { map: mapPerson as Mapper, tables: ['brugere'] },
  engagements: { map: mapEngagement as Mapper, tables: ['engagementer'] },
  addresses: { map: mapAddress as Mapper, tables: ['adresser'] },
  itusers: { map: mapItUser as Mapper, tables: ['it_forbindelser', 'it_forbindelse_engagementer'] },
  managers: { map: mapManager as Mapper, tables: ['ledere', 'leder_ansvar'] },
  associations: { map: mapAssociation as Mapper, tables: ['tilknytninger'] },
  leaves: { map: mapLeave as Mapper, tables: ['orlover'] },
  kles: { map: mapKle as Mapper, tables: ['kle'] },
  related_units: { map: mapRelatedUnit as Mapper, tables: ['enhedssammenkobling'] },
};

/** The entities of phase 2, whose tables are written page by page. */
export const PHASE2_ENTITIES = Object.keys(PHASE2) as Entity[];

/** Actual mode reads engagements with their whole timeline: `engagementer` and `engagement_perioder` from one read. */
const ACTUAL_ENGAGEMENTS = {
  map: mapEngagementWithPeriod as Mapper,
  tables: ['engagementer', 'engagement_perioder'] as TableName[],
};

interface PagedObject {
  uuid: string;
  current?: unknown;
  validities?: unknown[];
}

function records(o: PagedObject): never[] {
  if (o.validities) return o.validities as never[];
  return (o.current ? [o.current] : []) as never[];
}

/** The objects of a paged response text (already checked by the MO client: one root field with objects). */
export function pageObjects(text: string): PagedObject[] {
  const data = (JSON.parse(text) as { data: Record<string, { objects: PagedObject[] }> }).data;
  for (const key in data) return data[key]!.objects;
  return [];
}

export class SnapshotAssembler {
  readonly writer: SnapshotWriter;
  private readonly ctx: MapContext;
  private readonly classes = new ClassCatalogue();
  private readonly dirty = new DirtyData();
  /** Actual mode: units wait for the managers, from which (with the parent links) their relations are derived. */
  private readonly relations: UnitRelations | undefined;
  private readonly units: PagedObject[] = [];
  private readonly done = new Set<Entity>();

  constructor(private readonly setup: WriterSetup) {
    this.writer = new SnapshotWriter(setup.target, snapshotTables(setup.mode));
    this.relations = setup.mode === 'actual' ? new UnitRelations() : undefined;
    this.ctx = {
      mode: setup.mode,
      today: setup.today,
      classes: this.classes,
      dirty: this.dirty,
      sink: this.writer,
      exportCpr: setup.exportCpr,
      resolveDar: setup.resolveDar,
      rootOrgUuid: null,
      primaryManagerResponsibility: setup.primaryManagerResponsibility,
    };
  }

  root(uuid: string | null): void {
    this.ctx.rootOrgUuid = uuid;
  }

  page(entity: Entity, objs: PagedObject[]): void {
    const { classes } = this;
    switch (entity) {
      case 'facets':
        for (const o of objs)
          for (const f of records(o) as { uuid: string; user_key: string }[])
            classes.addFacet(f.uuid, f.user_key);
        return;
      case 'classes':
        for (const o of objs)
          for (const c of records(o) as MoClass[]) classes.addClass({ ...c, uuid: o.uuid });
        return;
      case 'itsystems':
        for (const o of objs)
          for (const s of records(o) as { name: string }[]) classes.itsystems.set(o.uuid, s.name);
        return;
      case 'org_units':
        if (this.relations) {
          this.units.push(...objs);
          return;
        }
        break;
      case 'managers':
        this.relations?.addManagers(objs.flatMap((o) => records(o)));
        break;
      default:
    }
    this.write(entity, objs);
  }

  classesDone(): void {
    this.writer.page(() => writeClassTables(this.ctx, this.setup.today));
  }

  /** All of `entity` is written (units: once the managers are read too): its tables are indexed now. */
  entityDone(entity: Entity): void {
    this.done.add(entity);
    if (!PHASE2[entity]) return; // phase 1: the class tables are written and indexed with the metadata
    this.indexDone(entity);
    // The entity read last (the addresses on fixture L: 190 pages, one after another) would be indexed after MO's
    // last answer, on the build's critical path. Index it now, on the rows so far, while MO still answers; its
    // remaining pages keep the indexes up to date, and the step at its end finds them built.
    const left = PHASE2_ENTITIES.filter((e) => !this.done.has(e));
    if (left.length === 1 && !this.waitsForRelations(left[0]!)) this.index(left[0]!);
  }

  private indexDone(entity: Entity): void {
    if (this.relations && (entity === 'org_units' || entity === 'managers')) {
      if (entity === 'managers') this.index(entity);
      if (!this.done.has('org_units') || !this.done.has('managers')) return;
      this.relations.complete(this.units.flatMap((o) => records(o)) as MoOrgUnit[]);
      this.write('org_units', this.units.splice(0));
      this.index('org_units');
      return;
    }
    this.index(entity);
  }

  /** Actual mode writes the units only once the managers are read: their table is empty until then. */
  private waitsForRelations(entity: Entity): boolean {
    return this.relations !== undefined && entity === 'org_units';
  }

  finish(meta: SnapshotMetadata): { rowCounts: Record<string, number>; warnings: string[] } {
    return { rowCounts: this.writer.finish(meta), warnings: this.dirty.warnings() };
  }

  private step(entity: Entity) {
    if (this.setup.mode === 'actual' && entity === 'engagements') return ACTUAL_ENGAGEMENTS;
    return PHASE2[entity]!;
  }

  private write(entity: Entity, objs: PagedObject[]): void {
    const { map } = this.step(entity);
    const ctx = this.ctx;
    this.writer.page(() => {
      for (const o of objs) map(ctx, o.uuid, records(o));
    });
  }

  private index(entity: Entity): void {
    const w = this.writer;
    for (const t of this.step(entity).tables) for (const s of w.indexSteps(t)) w.timed(s);
  }
}
