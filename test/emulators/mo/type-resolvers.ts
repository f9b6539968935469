/** Field resolvers of the object types (OrganisationUnit, Employee, Engagement …), resolving from Views. */
import {
  ancestors,
  base,
  by,
  classTriple,
  cls,
  clsResponse,
  field,
  list,
  optList,
  personRefs,
  resp,
  unitLeaves,
  unitManagers,
  unitRefs,
  type Fields,
} from './field-builders.js';
import { asOf, nestedList, nestedPaged, ref, refList, response, viewAt } from './resolve-helpers.js';
import { validityAtDate, type AnyObject, type View } from './store.js';

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

/** Resolvers per GraphQL object type. */
export const TYPE_FIELDS: Record<string, Fields> = {
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
