/** Building blocks for the GraphQL object types' field resolvers (see type-resolvers.ts). */
import type { EntityName } from '../../fixtures/types.js';
import { matchingObjects } from './filters.js';
import {
  asOf,
  nestedList,
  nestedPaged,
  ref,
  refList,
  response,
  validityResolver,
  type Args,
  type RequestContext,
  type Resolver,
} from './resolve-helpers.js';
import { validityAtDate, type AnyObject, type View } from './store.js';

export type Fields = Record<string, Resolver>;

export const field =
  (name: string): Resolver =>
  (s: View) =>
    s.v[name] ?? null;
/** Keep only referenced objects that match the field's own `filter` argument (e.g. `responsibilities(filter:)`). */
export function byFieldFilter(ctx: RequestContext, kind: EntityName, views: View[], args: Args): View[] {
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
export const cls =
  (name: string): Resolver =>
  (s: View, args, ctx) => {
    const view = ref(ctx, s, 'classes', s.v[name]);
    return view ? (byFieldFilter(ctx, 'classes', [view], args)[0] ?? null) : null;
  };
export const clsResponse =
  (name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? response(ctx, 'classes', s.v[name]) : null;
export const list =
  (kind: EntityName, name: string): Resolver =>
  (s: View, args, ctx) =>
    byFieldFilter(ctx, kind, refList(ctx, s, kind, s.v[name]), args);
export const resp =
  (kind: EntityName, name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? response(ctx, kind, s.v[name]) : null;
/** A nullable list reference: null when the validity has no reference (e.g. a vacant manager's person). */
export const optList =
  (kind: EntityName, name: string): Resolver =>
  (s: View, _a, ctx) =>
    s.v[name] ? refList(ctx, s, kind, s.v[name]) : null;

/** Class fields in three flavours: object (deprecated), response, uuid (deprecated). */
export function classTriple(obj: string, responseName: string, uuidName: string, fieldName: string): Fields {
  return { [obj]: cls(fieldName), [responseName]: clsResponse(fieldName), [uuidName]: field(fieldName) };
}

export function personRefs(): Fields {
  return {
    person: optList('persons', 'person'),
    employee: optList('persons', 'person'),
    person_response: resp('persons', 'person'),
    employee_uuid: field('person'),
  };
}

export function unitRefs(): Fields {
  return {
    org_unit: optList('org_units', 'org_unit'),
    org_unit_response: resp('org_units', 'org_unit'),
    org_unit_uuid: field('org_unit'),
  };
}

export const base: Fields = {
  uuid: (s: View) => s.obj.uuid,
  user_key: field('user_key'),
  validity: validityResolver,
};

/** Own managers of a unit valid now (or per filter); with inherit, the nearest ancestor's when it has none. */
export function unitManagers(ctx: RequestContext, unit: string, args: Args, excludePerson?: string): View[] {
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

export function unitLeaves(ctx: RequestContext, unit: string): AnyObject[] {
  return ctx.store
    .referencing('engagements', 'org_unit', unit)
    .flatMap((e) => ctx.store.referencing('leaves', 'engagement', e.uuid));
}

export const by = (kind: EntityName, refName: string, pick: (s: View) => string = (s) => s.obj.uuid) => ({
  list: ((s: View, args, ctx) =>
    nestedList(ctx, kind, ctx.store.referencing(kind, refName, pick(s)), args)) as Resolver,
  paged: ((s: View, args, ctx) =>
    nestedPaged(ctx, kind, ctx.store.referencing(kind, refName, pick(s)), args)) as Resolver,
});

export function ancestors(ctx: RequestContext, s: View): View[] {
  const out: View[] = [];
  let cur: View | null = s;
  while (cur && out.length < 100) {
    cur = cur.v.parent ? ref(ctx, cur, 'org_units', cur.v.parent) : null;
    if (cur) out.push(cur);
  }
  return out;
}
