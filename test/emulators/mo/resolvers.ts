/** Root fields (Query, Mutation) and the complete resolver map of the emulator schema. */
import type { EntityName } from '../../fixtures/types.js';
import { filterWindow } from './dates.js';
import type { Fields } from './field-builders.js';
import { matchingObjects, matchingUuids, type Filter } from './filters.js';
import { pagedResponses, responseResolvers, type RequestContext, type Resolver } from './resolve-helpers.js';
import { validityAtDate, type AnyObject } from './store.js';
import { ENTITIES } from './subset-spec.js';
import { TYPE_FIELDS } from './type-resolvers.js';
import { eventMutationFields, eventQueryFields, eventTypeFields } from './event-resolvers.js';

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
  const types: Record<string, Fields> = { ...TYPE_FIELDS, ...eventTypeFields() };
  const query: Fields = {
    org: (_s: never, _a, ctx) => {
      ctx.onRootField('org');
      return ctx.store.fixture.organisation;
    },
    employees: rootField('persons', 'employees'),
    ...eventQueryFields(),
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
    ...eventMutationFields(),
  };
  return types;
}
