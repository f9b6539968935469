/** MO organisation objects → snapshot rows: classes, facets, IT systems, units, KLE, related units, managers. */
import { fromDate, toDate, type MoValidity } from './dates.js';
import { lenientTitle, strictClass, strictTitle, type MapContext } from './map-context.js';

interface ManagerRef {
  uuid: string;
  responsibility_uuids?: string[] | null;
}

export interface MoOrgUnit {
  uuid: string;
  user_key: string;
  name: string;
  unit_type_uuid?: string | null;
  org_unit_level_uuid?: string | null;
  time_planning_uuid?: string | null;
  parent_uuid?: string | null;
  org_unit_hierarchy?: string | null;
  validity: MoValidity;
  managers?: ManagerRef[] | null;
  acting?: ManagerRef[] | null;
  ancestors?: { uuid: string; name: string; parent_uuid?: string | null }[] | null;
}

export interface MoKle {
  uuid: string;
  org_unit_uuid: string;
  kle_number_uuid?: string | null;
  kle_aspect_uuids?: string[] | null;
  user_key: string;
  validity: MoValidity;
}

export interface MoRelatedUnit {
  uuid: string;
  org_unit_uuids: string[];
  validity: MoValidity;
}

export interface MoManager {
  uuid: string;
  employee_uuid?: string | null;
  org_unit_uuid: string;
  manager_type_uuid?: string | null;
  manager_level_uuid?: string | null;
  responsibility_uuids?: string[] | null;
  validity: MoValidity;
}

/** `klasser`, `facetter` and `it_systemer` from the catalogue, once phase 1 is complete. */
export function writeClassTables(ctx: MapContext, today: string): void {
  for (const [uuid, bvn] of ctx.classes.facets) ctx.sink.add('facetter', { uuid, bvn });
  for (const [uuid, navn] of ctx.classes.itsystems) ctx.sink.add('it_systemer', { uuid, navn });
  for (const c of ctx.classes.all(today)) {
    let facetBvn: string | null = null;
    if (!c.facet_uuid) ctx.dirty.note('klasser.facet_uuid is null', c.uuid);
    else {
      facetBvn = ctx.classes.facets.get(c.facet_uuid) ?? null;
      if (facetBvn === null)
        ctx.dirty.note(`klasser.facet_uuid refers to unknown facet ${c.facet_uuid}`, c.uuid);
    }
    ctx.sink.add('klasser', {
      uuid: c.uuid,
      bvn: c.user_key,
      titel: c.name,
      facet_uuid: c.facet_uuid,
      facet_bvn: facetBvn,
    });
  }
}

function pickManager(list: ManagerRef[] | null | undefined, responsibility: string | null): string | null {
  if (!list?.length) return null;
  if (!responsibility) return list[0].uuid;
  return list.find((m) => m.responsibility_uuids?.includes(responsibility))?.uuid ?? null;
}

/** Ancestor names root first, then the unit's own name, `\`-joined. Follows parent links, whatever the list order. */
export function organisationPath(unit: MoOrgUnit): string {
  const ancestors = unit.ancestors ?? [];
  const byUuid = new Map(ancestors.map((a) => [a.uuid, a]));
  const names: string[] = [];
  for (let cur = unit.parent_uuid; cur && byUuid.has(cur) && names.length <= ancestors.length;) {
    const a = byUuid.get(cur)!;
    names.unshift(a.name);
    cur = a.parent_uuid;
  }
  if (names.length < ancestors.length) {
    names.length = 0;
    for (const a of ancestors) names.unshift(a.name);
  }
  return [...names, unit.name].join('\\');
}

export function mapOrgUnit(ctx: MapContext, uuid: string, records: MoOrgUnit[]): void {
  const actual = ctx.mode === 'actual';
  for (const u of records) {
    const start = fromDate(u.validity?.from);
    const parent = u.parent_uuid && u.parent_uuid !== ctx.rootOrgUuid ? u.parent_uuid : null;
    ctx.sink.add('enheder', {
      uuid,
      navn: u.name,
      bvn: u.user_key,
      forældreenhed_uuid: parent,
      enhedstype_uuid: u.unit_type_uuid ?? null,
      enhedstype_titel: strictTitle(ctx, 'enheder.enhedstype_uuid', u.unit_type_uuid, start, uuid),
      enhedsniveau_uuid: u.org_unit_level_uuid ?? null,
      enhedsniveau_titel: strictTitle(
        ctx,
        'enheder.enhedsniveau_uuid',
        u.org_unit_level_uuid,
        start,
        uuid,
        '',
      ),
      tidsregistrering_uuid: u.time_planning_uuid ?? null,
      tidsregistrering_titel: strictTitle(
        ctx,
        'enheder.tidsregistrering_uuid',
        u.time_planning_uuid,
        start,
        uuid,
        '',
      ),
      organisatorisk_sti: actual ? organisationPath(u) : null,
      leder_uuid: actual ? pickManager(u.managers, ctx.primaryManagerResponsibility) : null,
      fungerende_leder_uuid: actual ? pickManager(u.acting, ctx.primaryManagerResponsibility) : null,
      opmærkning_uuid: u.org_unit_hierarchy ?? null,
      opmærkning_titel: lenientTitle(ctx, u.org_unit_hierarchy, start),
      startdato: start,
      slutdato: toDate(u.validity?.to),
    });
  }
}

export function mapKle(ctx: MapContext, uuid: string, records: MoKle[]): void {
  for (const k of records) {
    const start = fromDate(k.validity?.from);
    for (const aspect of k.kle_aspect_uuids ?? []) {
      ctx.sink.add('kle', {
        uuid,
        enhed_uuid: k.org_unit_uuid,
        kle_aspekt_uuid: aspect,
        kle_aspekt_titel: lenientTitle(ctx, aspect, start),
        kle_nummer_uuid: k.kle_number_uuid ?? null,
        kle_nummer_titel: lenientTitle(ctx, k.kle_number_uuid, start),
        startdato: start,
        slutdato: toDate(k.validity?.to),
      });
    }
  }
}

export function mapRelatedUnit(ctx: MapContext, uuid: string, records: MoRelatedUnit[]): void {
  for (const r of records) {
    ctx.sink.add('enhedssammenkobling', {
      uuid,
      enhed1_uuid: r.org_unit_uuids?.[0] ?? null,
      enhed2_uuid: r.org_unit_uuids?.[1] ?? null,
      startdato: fromDate(r.validity?.from),
      slutdato: toDate(r.validity?.to),
    });
  }
}

export function mapManager(ctx: MapContext, uuid: string, records: MoManager[]): void {
  for (const m of records) {
    const start = fromDate(m.validity?.from);
    const end = toDate(m.validity?.to);
    ctx.sink.add('ledere', {
      uuid,
      bruger_uuid: m.employee_uuid ?? null,
      enhed_uuid: m.org_unit_uuid,
      ledertype_uuid: m.manager_type_uuid ?? null,
      ledertype_titel: strictTitle(ctx, 'ledere.ledertype_uuid', m.manager_type_uuid, start, uuid),
      niveautype_uuid: m.manager_level_uuid ?? null,
      niveautype_titel: strictTitle(ctx, 'ledere.niveautype_uuid', m.manager_level_uuid, start, uuid),
      startdato: start,
      slutdato: end,
    });
    for (const r of m.responsibility_uuids ?? []) {
      const c = strictClass(ctx, 'leder_ansvar.lederansvar_uuid', r, start, uuid);
      ctx.sink.add('leder_ansvar', {
        leder_uuid: uuid,
        lederansvar_uuid: r,
        lederansvar_titel: c?.name ?? null,
        startdato: start,
        slutdato: end,
      });
    }
  }
}
