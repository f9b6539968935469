import type { EntityName } from '../../fixtures/types.js';
import { filterWindow } from './dates.js';
import { matchingObjects, matchingUuids, type Filter } from './filters.js';
import {
  asOf,
  nestedList,
  nestedPaged,
  pagedResponses,
  ref,
  refList,
  response,
  responseResolvers,
  validityResolver,
  viewAt,
  type Args,
  type RequestContext,
  type Resolver,
} from './resolve-helpers.js';
import { validityAtDate, type AnyObject, type View } from './store.js';
import { ENTITIES } from './subset-spec.js';

type Fields = Record<string, Resolver>;

const field =
  (name: string): Resolver =>
  (s: View) =>
    s.v[name] ?? null;
/** Keep only referenced objects that match the field's own `filter` argument (e.g. `responsibilities(filter:)`). */
function byFieldFilter(ctx: RequestContext, kind: EntityName, views: View[], args: Args): View[] {
  if (!args.filter) return views;
  const date = views[0] ? asOf(views[0].v, ctx.now) : ctx.now;
  const ok = new Set(
    matchingObjects(
      ctx,
      kind,
      { from_date: date, ...args.filter },
      views.map((v) => v.obj),
    ),
  );
  return views.filter((v) => ok.has(v.obj));
}
const cls =
  (name: string): Resolver =>
  (s: View, args, ctx) => {
    const view = ref(ctx, s, 'classes', s.v[name]);
    return view ? (byFieldFilter(ctx, 'classes', [view], args)[0] ?? null) : null;
  };
const clsResponse =
  (name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? response(ctx, 'classes', s.v[name]) : null;
const list =
  (kind: EntityName, name: string): Resolver =>
  (s: View, args, ctx) =>
    byFieldFilter(ctx, kind, refList(ctx, s, kind, s.v[name]), args);
const resp =
  (kind: EntityName, name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? response(ctx, kind, s.v[name]) : null;
/** A nullable list reference: null when the validity has no reference (e.g. a vacant manager's person). */
const optList =
  (kind: EntityName, name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? refList(ctx, s, kind, s.v[name]) : null;

/** Class fields in three flavours: object (deprecated), response, uuid (deprecated). */
function classTriple(obj: string, responseName: string, uuidName: string, fieldName: string): Fields {
  return { [obj]: cls(fieldName), [responseName]: clsResponse(fieldName), [uuidName]: field(fieldName) };
}

function personRefs(): Fields {
  return {
    person: optList('persons', 'person'),
    employee: optList('persons', 'person'),
    person_response: resp('persons', 'person'),
    employee_uuid: field('person'),
  };
}

function unitRefs(): Fields {
  return {
    org_unit: optList('org_units', 'org_unit'),
    org_unit_response: resp('org_units', 'org_unit'),
    org_unit_uuid: field('org_unit'),
  };
}

const base: Fields = {
  uuid: (s: View) => s.obj.uuid,
  user_key: field('user_key'),
  validity: validityResolver,
};

/** Own managers of a unit valid now (or per filter); with inherit, the nearest ancestor's when it has none. */
function unitManagers(ctx: RequestContext, unit: string, args: Args, excludePerson?: string): View[] {
  for (let u: string | null = unit, depth = 0; u && depth < 100; depth++) {
    const own = nestedList(ctx, 'managers', ctx.store.referencing('managers', 'org_unit', u), {
      ...args,
      limit: undefined,
      cursor: undefined,
    }).filter((m) => !excludePerson || m.v.person !== excludePerson);
    if (own.length > 0 || !args.inherit) return own;
    const obj = ctx.store.get('org_units', u);
    u = obj ? ((validityAtDate(obj, ctx.now)?.parent as string | null) ?? null) : null;
  }
  return [];
}

function unitLeaves(ctx: RequestContext, unit: string): AnyObject[] {
  return ctx.store
    .referencing('engagements', 'org_unit', unit)
    .flatMap((e) => ctx.store.referencing('leaves', 'engagement', e.uuid));
}

const by = (kind: EntityName, refName: string, pick: (s: View) => string = (s) => s.obj.uuid) => ({
  list: ((s: View, args, ctx) =>
    nestedList(ctx, kind, ctx.store.referencing(kind, refName, pick(s)), args)) as Resolver,
  paged: ((s: View, args, ctx) =>
    nestedPaged(ctx, kind, ctx.store.referencing(kind, refName, pick(s)), args)) as Resolver,
});

function ancestors(ctx: RequestContext, s: View): View[] {
  const out: View[] = [];
  let cur: View | null = s;
  while (cur && out.length < 100) {
    cur = cur.v.parent ? ref(ctx, cur, 'org_units', cur.v.parent) : null;
    if (cur) out.push(cur);
  }
  return out;
}

const orgUnit: Fields = {
  ...base,
  name: field('name'),
  parent: (s: View, _a, ctx) => ref(ctx, s, 'org_units', s.v.parent),
  parent_response: resp('org_units', 'parent'),
  parent_uuid: (s: View, _a, ctx) => s.v.parent ?? ctx.store.fixture.organisation.uuid,
  ancestors: (s: View, _a, ctx) => ancestors(ctx, s),
  children: by('org_units', 'parent').list,
  children_response: by('org_units', 'parent').paged,
  child_count: (s: View, args, ctx) =>
    nestedList(ctx, 'org_units', ctx.store.referencing('org_units', 'parent', s.obj.uuid), args).length,
  has_children: (s: View, args, ctx) =>
    nestedList(ctx, 'org_units', ctx.store.referencing('org_units', 'parent', s.obj.uuid), args).length > 0,
  ...classTriple('unit_type', 'unit_type_response', 'unit_type_uuid', 'unit_type'),
  ...classTriple('org_unit_level', 'unit_level_response', 'org_unit_level_uuid', 'org_unit_level'),
  ...classTriple(
    'org_unit_hierarchy_model',
    'unit_hierarchy_response',
    'org_unit_hierarchy',
    'org_unit_hierarchy',
  ),
  ...classTriple('time_planning', 'time_planning_response', 'time_planning_uuid', 'time_planning'),
  engagements: by('engagements', 'org_unit').list,
  engagements_response: by('engagements', 'org_unit').paged,
  managers: (s: View, args, ctx) => unitManagers(ctx, s.obj.uuid, args),
  managers_response: (s: View, args, ctx) => {
    const managers = unitManagers(ctx, s.obj.uuid, args);
    const objs = [...new Set(managers.map((m) => m.obj))];
    return nestedPaged(ctx, 'managers', objs, { ...args, filter: args.filter ?? {} });
  },
  addresses: by('addresses', 'org_unit').list,
  addresses_response: by('addresses', 'org_unit').paged,
  itusers: by('itusers', 'org_unit').list,
  itusers_response: by('itusers', 'org_unit').paged,
  kles: by('kles', 'org_unit').list,
  kles_response: by('kles', 'org_unit').paged,
  associations: by('associations', 'org_unit').list,
  leaves: (s: View, args, ctx) => nestedList(ctx, 'leaves', unitLeaves(ctx, s.obj.uuid), args),
  related_units: by('related_units', 'org_unit').list,
};

const nick = (s: View): string => [s.v.nickname_given_name, s.v.nickname_surname].filter(Boolean).join(' ');
const person: Fields = {
  ...base,
  cpr_number: field('cpr_number'),
  cpr_no: field('cpr_number'),
  name: (s: View) => `${s.v.given_name} ${s.v.surname}`.trim(),
  given_name: field('given_name'),
  givenname: field('given_name'),
  surname: field('surname'),
  nickname: nick,
  nickname_given_name: (s: View) => s.v.nickname_given_name ?? '',
  nickname_givenname: (s: View) => s.v.nickname_given_name ?? '',
  nickname_surname: (s: View) => s.v.nickname_surname ?? '',
  seniority: field('seniority'),
  engagements: by('engagements', 'person').list,
  engagements_response: by('engagements', 'person').paged,
  manager_roles: by('managers', 'person').list,
  addresses: by('addresses', 'person').list,
  addresses_response: by('addresses', 'person').paged,
  itusers: by('itusers', 'person').list,
  itusers_response: by('itusers', 'person').paged,
  associations: by('associations', 'person').list,
  leaves: by('leaves', 'person').list,
};

const PRIMARY_KEYS = new Set(['primary', 'explicitly-primary']);
const engagement: Fields = {
  ...base,
  is_primary: (s: View, _a, ctx) => {
    const c = ref(ctx, s, 'classes', s.v.primary);
    return !!c && PRIMARY_KEYS.has(c.v.user_key);
  },
  fraction: field('fraction'),
  ...Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`extension_${i + 1}`, field(`extension_${i + 1}`)]),
  ),
  ...classTriple('engagement_type', 'engagement_type_response', 'engagement_type_uuid', 'engagement_type'),
  ...classTriple('job_function', 'job_function_response', 'job_function_uuid', 'job_function'),
  ...classTriple('primary', 'primary_response', 'primary_uuid', 'primary'),
  ...personRefs(),
  ...unitRefs(),
  leave: (s: View, _a, ctx) => {
    const date = asOf(s.v, ctx.now);
    const leave = ctx.store
      .referencing('leaves', 'engagement', s.obj.uuid)
      .find((l) => validityAtDate(l, date));
    return leave ? viewAt(ctx, 'leaves', leave.uuid, date) : null;
  },
  leave_uuid: (s: View, _a, ctx) =>
    ctx.store
      .referencing('leaves', 'engagement', s.obj.uuid)
      .find((l) => validityAtDate(l, asOf(s.v, ctx.now)))?.uuid ?? null,
  managers: (s: View, args, ctx) =>
    unitManagers(ctx, s.v.org_unit, args, args.exclude_self ? s.v.person : undefined),
};

const manager: Fields = {
  ...base,
  ...classTriple('manager_type', 'manager_type_response', 'manager_type_uuid', 'manager_type'),
  ...classTriple('manager_level', 'manager_level_response', 'manager_level_uuid', 'manager_level'),
  responsibilities: list('classes', 'responsibilities'),
  responsibilities_response: (s: View, args, ctx) =>
    nestedPaged(
      ctx,
      'classes',
      (s.v.responsibilities as string[])
        .map((u) => ctx.store.get('classes', u))
        .filter((x): x is AnyObject => !!x),
      args,
    ),
  responsibility_uuids: field('responsibilities'),
  ...personRefs(),
  ...unitRefs(),
};

const HREF: Record<string, (v: string) => string> = {
  EMAIL: (v) => `mailto:${v}`,
  PHONE: (v) => `tel:+45${v}`,
  WWW: (v) => v,
};
const address: Fields = {
  ...base,
  name: field('name'),
  value: field('value'),
  value2: () => null,
  href: (s: View, _a, ctx) => {
    const scope = ref(ctx, s, 'classes', s.v.address_type)?.v.scope as string | undefined;
    return scope && HREF[scope] ? HREF[scope](s.v.value) : null;
  },
  ...classTriple('address_type', 'address_type_response', 'address_type_uuid', 'address_type'),
  ...classTriple('visibility', 'visibility_response', 'visibility_uuid', 'visibility'),
  ...personRefs(),
  org_unit: optList('org_units', 'org_unit'),
  org_unit_response: resp('org_units', 'org_unit'),
  org_unit_uuid: field('org_unit'),
  engagement: optList('engagements', 'engagement'),
  engagement_response: resp('engagements', 'engagement'),
  engagement_uuid: field('engagement'),
  ituser: list('itusers', 'ituser'),
  ituser_response: resp('itusers', 'ituser'),
  ituser_uuid: field('ituser'),
};

const ituser: Fields = {
  ...base,
  external_id: field('external_id'),
  itsystem: (s: View, _a, ctx) => ref(ctx, s, 'itsystems', s.v.itsystem),
  itsystem_response: resp('itsystems', 'itsystem'),
  itsystem_uuid: field('itsystem'),
  ...personRefs(),
  org_unit: optList('org_units', 'org_unit'),
  org_unit_response: resp('org_units', 'org_unit'),
  org_unit_uuid: field('org_unit'),
  engagement: (s: View, _a, ctx) =>
    s.v.engagements.length ? refList(ctx, s, 'engagements', s.v.engagements[0]) : null,
  engagement_response: (s: View, _a, ctx) =>
    s.v.engagements.length ? response(ctx, 'engagements', s.v.engagements[0]) : null,
  engagement_uuid: (s: View) => s.v.engagements[0] ?? null,
  engagements: (s: View, _a, ctx) =>
    (s.v.engagements as string[]).map((u) => response(ctx, 'engagements', u)).filter(Boolean),
  engagements_responses: (s: View, args, ctx) =>
    nestedPaged(
      ctx,
      'engagements',
      (s.v.engagements as string[])
        .map((u) => ctx.store.get('engagements', u))
        .filter((x): x is AnyObject => !!x),
      args,
    ),
  engagement_uuids: field('engagements'),
  ...classTriple('primary', 'primary_response', 'primary_uuid', 'primary'),
};

const itsystem: Fields = { ...base, name: field('name'), system_type: field('system_type') };

const moClass: Fields = {
  ...base,
  name: field('name'),
  scope: field('scope'),
  facet: (s: View, _a, ctx) => ref(ctx, s, 'facets', s.v.facet),
  facet_response: resp('facets', 'facet'),
  facet_uuid: field('facet'),
  parent: cls('parent'),
  parent_response: clsResponse('parent'),
  parent_uuid: field('parent'),
};

const facet: Fields = { ...base, classes: by('classes', 'facet').list };

const kle: Fields = {
  ...base,
  kle_number: list('classes', 'kle_number'),
  kle_number_response: clsResponse('kle_number'),
  kle_number_uuid: field('kle_number'),
  kle_aspects: list('classes', 'kle_aspects'),
  kle_aspects_response: (s: View, args, ctx) =>
    nestedPaged(
      ctx,
      'classes',
      (s.v.kle_aspects as string[])
        .map((u) => ctx.store.get('classes', u))
        .filter((x): x is AnyObject => !!x),
      args,
    ),
  kle_aspect_uuids: field('kle_aspects'),
  ...unitRefs(),
};

const association: Fields = {
  ...base,
  ...classTriple(
    'association_type',
    'association_type_response',
    'association_type_uuid',
    'association_type',
  ),
  dynamic_class: cls('dynamic_class'),
  dynamic_class_uuid: field('dynamic_class'),
  ...classTriple('primary', 'primary_response', 'primary_uuid', 'primary'),
  ...personRefs(),
  person: list('persons', 'person'),
  employee: list('persons', 'person'),
  ...unitRefs(),
  ...classTriple('job_function', 'job_function_response', 'job_function_uuid', 'job_function'),
  it_user: list('itusers', 'it_user'),
  it_user_response: resp('itusers', 'it_user'),
  it_user_uuid: field('it_user'),
};

const leave: Fields = {
  ...base,
  ...classTriple('leave_type', 'leave_type_response', 'leave_type_uuid', 'leave_type'),
  ...personRefs(),
  person: list('persons', 'person'),
  employee: list('persons', 'person'),
  engagement: (s: View, _a, ctx) => ref(ctx, s, 'engagements', s.v.engagement),
  engagement_response: resp('engagements', 'engagement'),
  engagement_uuid: field('engagement'),
};

const relatedUnit: Fields = {
  ...base,
  org_units: list('org_units', 'org_units'),
  org_units_response: (s: View, args, ctx) =>
    nestedPaged(
      ctx,
      'org_units',
      (s.v.org_units as string[])
        .map((u) => ctx.store.get('org_units', u))
        .filter((x): x is AnyObject => !!x),
      args,
    ),
  org_unit_uuids: field('org_units'),
};

/**
 * Root `managers(inherit: true)`: for each unit the filter selects, its own matching managers, or (when it
 * has none) the nearest ancestor's. Without a unit filter inherit changes nothing.
 */
function inheritedManagers(ctx: RequestContext, filter: Filter): AnyObject[] {
  if (filter.org_unit == null && filter.org_units == null) return matchingObjects(ctx, 'managers', filter);
  const units = new Set<string>([
    ...(filter.org_unit != null ? matchingUuids(ctx, 'org_units', filter.org_unit as Filter) : []),
    ...((filter.org_units as string[] | null | undefined) ?? []),
  ]);
  const rest: Filter = { ...filter, org_unit: null, org_units: null };
  const out = new Set<AnyObject>();
  for (const unit of units) {
    for (let u: string | null = unit, depth = 0; u && depth < 100; depth++) {
      const own = matchingObjects(ctx, 'managers', rest, ctx.store.referencing('managers', 'org_unit', u));
      if (own.length > 0) {
        own.forEach((m) => out.add(m));
        break;
      }
      const obj = ctx.store.get('org_units', u);
      u = obj ? ((validityAtDate(obj, ctx.now)?.parent as string | null) ?? null) : null;
    }
  }
  return [...out];
}

/** Root list fields: filter (cached per filter), then page. */
function rootField(kind: EntityName, fieldName: string): Resolver {
  return (_s: never, args, ctx) => {
    ctx.onRootField(fieldName);
    const filter = args.filter ?? {};
    const inherit = kind === 'managers' && args.inherit === true;
    const key = `${kind}|${JSON.stringify(filter)}|${ctx.now}|${inherit}`;
    let objs = ctx.rootCache.get(key);
    if (!objs) {
      objs = inherit ? inheritedManagers(ctx, filter) : matchingObjects(ctx, kind, filter);
      if (ctx.rootCache.size > 200) ctx.rootCache.clear();
      ctx.rootCache.set(key, objs);
    }
    const win = filterWindow(filter, ctx.now);
    return pagedResponses(kind, objs, win, args, ctx.shortPages);
  };
}

export function buildResolvers(): Record<string, Fields> {
  const types: Record<string, Fields> = {
    OrganisationUnit: orgUnit,
    Employee: person,
    Engagement: engagement,
    Manager: manager,
    Address: address,
    ITUser: ituser,
    ITSystem: itsystem,
    Class: moClass,
    Facet: facet,
    KLE: kle,
    Association: association,
    Leave: leave,
    RelatedUnit: relatedUnit,
  };
  const query: Fields = {
    org: (_s: never, _a, ctx) => {
      ctx.onRootField('org');
      return ctx.store.fixture.organisation;
    },
    employees: rootField('persons', 'employees'),
  };
  for (const [type, root] of ENTITIES) {
    types[`${type}Response`] = responseResolvers;
    query[root] = rootField(root, root);
  }
  types.Query = query;
  types.Mutation = {
    upload_file: (_s: never, args, ctx) => {
      ctx.onRootField('upload_file');
      const file = args.file as { filename?: string; buffer?: Buffer } | null;
      if (!file || typeof file.filename !== 'string' || !Buffer.isBuffer(file.buffer))
        throw new Error('file must be an uploaded file (multipart request)');
      if (ctx.uploads.has(file.filename) && !args.force)
        throw new Error(`File ${file.filename} already exists in ${String(args.file_store)}`);
      ctx.uploads.set(file.filename, file.buffer);
      return 'OK';
    },
  };
  return types;
}
