/** MO person-related objects → snapshot rows: persons, engagements, leaves, IT users, associations, addresses. */
import { fromDate, OPEN_END, OPEN_START, toDate, type MoValidity } from './dates.js';
import { engagementPeriod } from './engagement-periods.js';
import {
  lenientTitle,
  primaryBoolean,
  strictClass,
  strictTitle,
  type MapContext,
  type Row,
} from './map-context.js';

export interface MoPerson {
  uuid: string;
  user_key: string;
  cpr_number?: string | null;
  given_name?: string | null;
  surname?: string | null;
  nickname_given_name?: string | null;
  nickname_surname?: string | null;
  validity: MoValidity;
}

export interface MoEngagement {
  uuid: string;
  employee_uuid: string;
  org_unit_uuid: string;
  fraction?: number | null;
  user_key: string;
  engagement_type_uuid?: string | null;
  primary_uuid?: string | null;
  is_primary?: boolean | null;
  job_function_uuid?: string | null;
  validity: MoValidity;
  [extension: `extension_${number}`]: string | null | undefined;
}

export interface MoLeave {
  uuid: string;
  employee_uuid: string;
  user_key: string;
  leave_type_uuid?: string | null;
  engagement_uuid?: string | null;
  validity: MoValidity;
}

export interface MoItUser {
  uuid: string;
  employee_uuid?: string | null;
  org_unit_uuid?: string | null;
  user_key: string;
  external_id?: string | null;
  itsystem_uuid: string;
  primary_uuid?: string | null;
  engagement_uuids?: string[] | null;
  validity: MoValidity;
}

export interface MoAssociation {
  uuid: string;
  employee_uuid?: string | null;
  org_unit_uuid: string;
  user_key: string;
  association_type_uuid?: string | null;
  it_user_uuid?: string | null;
  job_function_uuid?: string | null;
  primary_uuid?: string | null;
  dynamic_class_uuid?: string | null;
  validity: MoValidity;
}

export interface MoAddress {
  uuid: string;
  address_type_uuid: string;
  employee_uuid?: string | null;
  org_unit_uuid?: string | null;
  engagement_uuid?: string | null;
  ituser_uuid?: string | null;
  visibility_uuid?: string | null;
  name?: string | null;
  value: string;
  user_key: string;
  validity: MoValidity;
}

/** MO address-type scopes → `adressetype_scope` labels. */
export const SCOPE_LABELS: Readonly<Record<string, string>> = {
  EMAIL: 'E-mail',
  WWW: 'Url',
  PHONE: 'Telefon',
  PNUMBER: 'P-nummer',
  EAN: 'EAN',
  TEXT: 'Text',
  MULTIFIELD_TEXT: 'Multifield_text',
  DAR: 'DAR',
};

export function mapPerson(ctx: MapContext, uuid: string, records: MoPerson[]): void {
  for (const p of records) {
    ctx.sink.add('brugere', {
      uuid,
      bvn: p.user_key,
      fornavn: p.given_name ?? null,
      efternavn: p.surname ?? null,
      kaldenavn_fornavn: p.nickname_given_name ?? null,
      kaldenavn_efternavn: p.nickname_surname ?? null,
      cpr: ctx.exportCpr ? (p.cpr_number ?? null) : '',
      startdato: fromDate(p.validity?.from),
      slutdato: toDate(p.validity?.to),
    });
  }
}

/** The `engagementer` row of one engagement validity. */
function engagementRow(ctx: MapContext, uuid: string, e: MoEngagement): Row {
  const start = fromDate(e.validity?.from);
  const row: Row = {
    uuid,
    bruger_uuid: e.employee_uuid,
    enhed_uuid: e.org_unit_uuid,
    bvn: e.user_key,
    arbejdstidsfraktion: e.fraction ?? null,
    engagementstype_uuid: e.engagement_type_uuid ?? null,
    engagementstype_titel: lenientTitle(ctx, e.engagement_type_uuid, start),
    primærtype_uuid: e.primary_uuid ?? null,
    primærtype_titel: strictTitle(ctx, 'engagementer.primærtype_uuid', e.primary_uuid, start, uuid, ''),
    stillingsbetegnelse_uuid: e.job_function_uuid ?? null,
    stillingsbetegnelse_titel: lenientTitle(ctx, e.job_function_uuid, start),
    primær_boolean: e.is_primary ?? null,
    startdato: start,
    slutdato: toDate(e.validity?.to),
  };
  for (let i = 1; i <= 10; i++) row[`udvidelse_${i}`] = e[`extension_${i}`] ?? null;
  return row;
}

export function mapEngagement(ctx: MapContext, uuid: string, records: MoEngagement[]): void {
  for (const e of records) ctx.sink.add('engagementer', engagementRow(ctx, uuid, e));
}

/**
 * Actual mode: an engagement valid today or later with all its validities. The validity in effect today is the
 * `engagementer` row (what MO's `current` gives); the same columns plus the whole period are the
 * `engagement_perioder` row (the writer takes the columns each table has).
 */
export function mapEngagementWithPeriod(ctx: MapContext, uuid: string, records: MoEngagement[]): void {
  const dated = records.map((rec) => ({
    rec,
    from: rec.validity?.from ? fromDate(rec.validity.from) : null,
    to: rec.validity?.to ? toDate(rec.validity.to) : null,
  }));
  const period = engagementPeriod(dated, ctx.today);
  if (!period) return;
  const { rec, from } = period.effective;
  const row = engagementRow(ctx, uuid, rec);
  if (from === null || from <= ctx.today) ctx.sink.add('engagementer', row);
  ctx.sink.add('engagement_perioder', {
    ...row,
    første_startdato: period.firstStart ?? OPEN_START,
    sidste_slutdato: period.lastEnd ?? OPEN_END,
  });
}

export function mapLeave(ctx: MapContext, uuid: string, records: MoLeave[]): void {
  for (const l of records) {
    const start = fromDate(l.validity?.from);
    ctx.sink.add('orlover', {
      uuid,
      bvn: l.user_key,
      bruger_uuid: l.employee_uuid,
      orlovstype_uuid: l.leave_type_uuid ?? null,
      orlovstype_titel: strictTitle(ctx, 'orlover.orlovstype_uuid', l.leave_type_uuid, start, uuid),
      engagement_uuid: l.engagement_uuid ?? null,
      startdato: start,
      slutdato: toDate(l.validity?.to),
    });
  }
}

export function mapItUser(ctx: MapContext, uuid: string, records: MoItUser[]): void {
  for (const it of records) {
    const start = fromDate(it.validity?.from);
    const end = toDate(it.validity?.to);
    ctx.sink.add('it_forbindelser', {
      uuid,
      it_system_uuid: it.itsystem_uuid,
      bruger_uuid: it.employee_uuid ?? null,
      enhed_uuid: it.org_unit_uuid ?? null,
      brugernavn: it.user_key,
      eksternt_id: it.external_id ?? null,
      primær_boolean: primaryBoolean(ctx, 'it_forbindelser.primær_boolean', it.primary_uuid, start, uuid),
      startdato: start,
      slutdato: end,
    });
    for (const engagement of it.engagement_uuids ?? []) {
      ctx.sink.add('it_forbindelse_engagementer', {
        it_forbindelse_uuid: uuid,
        engagement_uuid: engagement,
        startdato: start,
        slutdato: end,
      });
    }
  }
}

/** `"<parent name> - <name>"` of an association's dynamic class, or its name when it has no parent. */
function dynamicClassLabel(
  ctx: MapContext,
  classUuid: string | null | undefined,
  date: string,
  uuid: string,
): string | null {
  if (!classUuid) return null;
  const c = strictClass(ctx, 'tilknytninger.faglig_organisation', classUuid, date, uuid);
  if (!c) return null;
  const parent = c.parent_uuid ? ctx.classes.at(c.parent_uuid, date) : undefined;
  return parent ? `${parent.name} - ${c.name}` : c.name;
}

export function mapAssociation(ctx: MapContext, uuid: string, records: MoAssociation[]): void {
  for (const a of records) {
    const start = fromDate(a.validity?.from);
    const jobFunction = a.it_user_uuid ? (a.job_function_uuid ?? null) : null;
    ctx.sink.add('tilknytninger', {
      uuid,
      bvn: a.user_key,
      bruger_uuid: a.employee_uuid ?? null,
      enhed_uuid: a.org_unit_uuid,
      tilknytningstype_uuid: a.association_type_uuid ?? null,
      tilknytningstype_titel: lenientTitle(ctx, a.association_type_uuid, start),
      stillingsbetegnelse_uuid: jobFunction,
      stillingsbetegnelse_titel: lenientTitle(ctx, jobFunction, start),
      it_forbindelse_uuid: a.it_user_uuid ?? null,
      startdato: start,
      slutdato: toDate(a.validity?.to),
      primær_boolean: primaryBoolean(ctx, 'tilknytninger.primær_boolean', a.primary_uuid, start, uuid),
      faglig_organisation: dynamicClassLabel(ctx, a.dynamic_class_uuid, start, uuid),
    });
  }
}

/** Returns false when the address object was skipped (a validity with neither person nor unit, as DIPEX). */
export function mapAddress(ctx: MapContext, uuid: string, records: MoAddress[]): boolean {
  if (records.some((a) => !a.employee_uuid && !a.org_unit_uuid)) {
    ctx.dirty.note('adresser: address with neither person nor unit', uuid, 'skipped');
    return false;
  }
  for (const a of records) {
    const start = fromDate(a.validity?.from);
    const type = strictClass(ctx, 'adresser.adressetype_uuid', a.address_type_uuid, start, uuid);
    let scope: string | null = null;
    if (type) {
      scope = type.scope ? (SCOPE_LABELS[type.scope] ?? null) : null;
      if (scope === null)
        ctx.dirty.note(`adresser.adressetype_scope: unknown address scope ${type.scope ?? 'null'}`, uuid);
    }
    const visibility = strictClass(ctx, 'adresser.synlighed_uuid', a.visibility_uuid, start, uuid, null);
    const isDar = type?.scope === 'DAR';
    if (isDar) ctx.sink.darAddress(a.value, a.name ?? null);
    ctx.sink.add('adresser', {
      uuid,
      bvn: a.user_key,
      bruger_uuid: a.employee_uuid ?? null,
      enhed_uuid: a.org_unit_uuid ?? null,
      engagement_uuid: a.engagement_uuid ?? null,
      ituser_uuid: a.ituser_uuid ?? null,
      værdi: ctx.resolveDar ? (a.name ?? a.value) : a.value,
      dar_uuid: isDar ? a.value : null,
      adressetype_uuid: a.address_type_uuid,
      adressetype_bvn: type?.user_key ?? null,
      adressetype_scope: scope,
      adressetype_titel: type?.name ?? null,
      synlighed_uuid: a.visibility_uuid ?? null,
      synlighed_scope: visibility?.scope ?? null,
      synlighed_titel: visibility?.name ?? null,
      startdato: start,
      slutdato: toDate(a.validity?.to),
    });
  }
  return true;
}
