import type { EntityName, ISODate } from '../../fixtures/types.js';
import { argsWindow, filterWindow, parseDateInput, toMoDateTime, type Window } from './dates.js';
import { matchingObjects, type Filter, type FilterScope } from './filters.js';
import type { EventSystem } from './events.js';
import { page, type PageArgs } from './paging.js';
import {
  validityAtDate,
  validityOverlaps,
  type AnyObject,
  type AnyValidity,
  type ResponseObj,
  type View,
} from './store.js';

/** The GraphQL context of one request. */
export interface RequestContext extends FilterScope {
  /** Root-field result lists cached across requests (key: root field + filter), so each page is O(limit). */
  rootCache: Map<string, AnyObject[]>;
  uploads: Map<string, Buffer>;
  /** Root pages hold 1..limit objects (fault `shortPages`). */
  shortPages: boolean;
  /** Called at the start of every root field; throws an injected error when the faults say so. */
  onRootField(field: string): void;
  /** The event system, the caller's owner UUID (listeners, fetch, ack) and what `me.actor.uuid` answers. */
  events: EventSystem;
  owner: string;
  actorUuid: string;
  /** Set by a resolver when the answer must be lost (fault: a lost event_fetch response). */
  dropResponse?: boolean;
}

export type Args = Record<string, unknown> & PageArgs & { filter?: Filter | null };
export type Resolver = (source: never, args: Args, ctx: RequestContext) => unknown;

export const nowWindow = (ctx: RequestContext): Window => ({ start: ctx.now, end: ctx.now });

/** The date a validity's references are resolved at: now if it holds now, else its nearest end. */
export function asOf(v: AnyValidity, now: ISODate): ISODate {
  if (v.to !== null && v.to < now) return v.to;
  if (v.from !== null && v.from > now) return v.from;
  return now;
}

export function viewAt(ctx: RequestContext, kind: EntityName, uuid: unknown, date: ISODate): View | null {
  const obj = ctx.store.get(kind, uuid as string);
  const v = obj && validityAtDate(obj, date);
  return obj && v ? { kind, obj, v } : null;
}

/** A reference from validity `s.v` to one object of `kind`, as a single object (or null). */
export function ref(ctx: RequestContext, s: View, kind: EntityName, uuid: unknown): View | null {
  return viewAt(ctx, kind, uuid, asOf(s.v, ctx.now));
}

/** The same as a list (the deprecated list-valued reference fields). */
export function refList(ctx: RequestContext, s: View, kind: EntityName, uuids: unknown): View[] {
  const list = Array.isArray(uuids) ? uuids : uuids == null ? [] : [uuids];
  return list.map((u) => ref(ctx, s, kind, u)).filter((x): x is View => x !== null);
}

export function response(
  ctx: RequestContext,
  kind: EntityName,
  uuid: unknown,
  win?: Window,
): ResponseObj | null {
  const obj = ctx.store.get(kind, uuid as string);
  return obj ? { kind, obj, win: win ?? nowWindow(ctx) } : null;
}

export function views(kind: EntityName, objs: AnyObject[], win: Window): View[] {
  const out: View[] = [];
  for (const obj of objs)
    for (const v of obj.validities) if (validityOverlaps(v, win)) out.push({ kind, obj, v });
  return out;
}

/** A nested, filterable list field (e.g. `OrganisationUnit.engagements(filter)`): every validity in the window. */
export function nestedList(ctx: RequestContext, kind: EntityName, pool: AnyObject[], args: Args): View[] {
  const filter = args.filter ?? {};
  const matched = matchingObjects(ctx, kind, filter, pool);
  const all = views(kind, matched, filterWindow(filter, ctx.now));
  return args.limit === undefined && !args.cursor ? all : page(all, args).items;
}

export function pagedResponses(
  kind: EntityName,
  objs: AnyObject[],
  win: Window,
  args: PageArgs,
  short = false,
): unknown {
  const p = page(objs, args, short);
  return { objects: p.items.map((obj) => ({ kind, obj, win })), page_info: { next_cursor: p.next_cursor } };
}

/** A nested paged field (e.g. `OrganisationUnit.engagements_response(filter, limit, cursor)`). */
export function nestedPaged(ctx: RequestContext, kind: EntityName, pool: AnyObject[], args: Args): unknown {
  const filter = args.filter ?? {};
  return pagedResponses(kind, matchingObjects(ctx, kind, filter, pool), filterWindow(filter, ctx.now), args);
}

/**
 * As OS2mo's `Response.validities`: without arguments, what the surrounding window loaded (its object cache);
 * with `start` or `end` given (null included), a fresh read of the object over that window alone, whatever the
 * root filter's window was.
 */
function validitiesWindow(s: ResponseObj, args: Args): Window {
  return 'start' in args || 'end' in args ? argsWindow(args) : s.win;
}

/** Resolvers shared by every XResponse type. */
export const responseResolvers: Record<string, Resolver> = {
  uuid: (s: ResponseObj) => s.obj.uuid,
  current: (s: ResponseObj, args, ctx) => {
    const date = args.at == null ? ctx.now : parseDateInput(args.at);
    const v = validityAtDate(s.obj, date);
    return v ? { kind: s.kind, obj: s.obj, v } : null;
  },
  validities: (s: ResponseObj, args) => views(s.kind, [s.obj], validitiesWindow(s, args)),
  objects: (s: ResponseObj, args) => views(s.kind, [s.obj], validitiesWindow(s, args)),
};

export const validityResolver: Resolver = (s: View) => ({
  from: toMoDateTime(s.v.from),
  to: toMoDateTime(s.v.to),
});
