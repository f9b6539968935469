/** Resolvers of the event system's root fields and types (specs/events.md §1), over events.ts. */
import type { Fields } from './field-builders.js';
import { page } from './paging.js';
import { UNKNOWN_ACTOR, type Listener, type Namespace } from './events.js';
import type { Args, RequestContext } from './resolve-helpers.js';

type In = Record<string, unknown>;
const uuids = (x: unknown): string[] | null => (Array.isArray(x) ? (x as string[]) : null);

function listenerMatches(ctx: RequestContext, l: Listener, f: In | null | undefined): boolean {
  if (!f) return true;
  const has = (list: unknown, value: string): boolean => !Array.isArray(list) || list.includes(value);
  if (!has(f.uuids, l.uuid) || !has(f.user_keys, l.user_key)) return false;
  if (!has(f.owners, l.owner) || !has(f.routing_keys, l.routing_key)) return false;
  const ns = ctx.events.namespaces.get(l.namespace);
  return !f.namespaces || (!!ns && namespaceMatches(ns, f.namespaces as In));
}

function namespaceMatches(ns: Namespace, f: In | null | undefined): boolean {
  if (!f) return true;
  if (Array.isArray(f.names) && !f.names.includes(ns.name)) return false;
  if (Array.isArray(f.owners) && !f.owners.includes(ns.owner)) return false;
  return typeof f.public !== 'boolean' || f.public === ns.public;
}

const paged = <T>(items: T[], args: Args): unknown => {
  const p = page(items, args);
  return { objects: p.items, page_info: { next_cursor: p.next_cursor } };
};

export function eventQueryFields(): Fields {
  return {
    me: (_s: never, _a: Args, ctx: RequestContext) => {
      ctx.onRootField('me');
      return { actor: ctx.actorUuid };
    },
    event_fetch: (_s: never, args: Args, ctx: RequestContext) => {
      ctx.onRootField('event_fetch');
      const event = ctx.events.fetch(ctx.owner, (args.filter as In).listener as string);
      if (event && ctx.events.loseFetches > 0) {
        // the row is claimed (last_tried, fetched_count) but the answer never reaches the client
        ctx.events.loseFetches -= 1;
        ctx.events.stats.lostFetches += 1;
        ctx.dropResponse = true;
      }
      return event;
    },
    event_listeners: (_s: never, args: Args, ctx: RequestContext) => {
      ctx.onRootField('event_listeners');
      const all = [...ctx.events.listeners.values()].filter((l) =>
        listenerMatches(ctx, l, args.filter as In | null),
      );
      return paged(all, args);
    },
    event_namespaces: (_s: never, args: Args, ctx: RequestContext) => {
      ctx.onRootField('event_namespaces');
      const all = [...ctx.events.namespaces.values()].filter((n) =>
        namespaceMatches(n, args.filter as In | null),
      );
      return paged(all, args);
    },
    events: (_s: never, args: Args, ctx: RequestContext) => {
      ctx.onRootField('events');
      const f = (args.filter ?? {}) as In;
      // only the caller's own events (no read_event_all role in the emulator)
      const all = ctx.events
        .pendingRows()
        .filter(
          (r) =>
            r.listener.owner === ctx.owner &&
            listenerMatches(ctx, r.listener, f.listeners as In | null) &&
            (!Array.isArray(f.subjects) || f.subjects.includes(r.subject)) &&
            (!Array.isArray(f.priorities) || f.priorities.includes(r.priority)) &&
            (typeof f.silenced !== 'boolean' || f.silenced === r.silenced),
        );
      return paged(all, args);
    },
  };
}

export function eventMutationFields(): Fields {
  const input = (args: Args): In => args.input as In;
  return {
    event_namespace_declare: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      return ctx.events.declareNamespace(ctx.owner, i.name as string, i.public === true);
    },
    event_namespace_delete: (_s: never, args: Args, ctx: RequestContext) =>
      ctx.events.deleteNamespace(input(args).name as string),
    event_listener_declare: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      return ctx.events.declareListener(
        ctx.owner,
        (i.namespace as string) ?? 'mo',
        i.user_key as string,
        i.routing_key as string,
      );
    },
    event_listener_delete: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      return ctx.events.deleteListener(i.uuid as string, i.delete_pending_events === true);
    },
    event_acknowledge: (_s: never, args: Args, ctx: RequestContext) =>
      ctx.events.acknowledge(ctx.owner, input(args).token as { id: number; generation: string }),
    event_send: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      return ctx.events.send(
        ctx.owner,
        i.namespace as string,
        i.routing_key as string,
        i.subject as string,
        (i.priority as number) ?? 10000,
      );
    },
    event_silence: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      const ls = [...ctx.events.listeners.values()]
        .filter((l) => listenerMatches(ctx, l, i.listeners as In))
        .map((l) => l.uuid);
      return ctx.events.silence(ls, i.subjects as string[]);
    },
    event_unsilence: (_s: never, args: Args, ctx: RequestContext) => {
      const i = input(args);
      const ls = i.listeners
        ? [...ctx.events.listeners.values()]
            .filter((l) => listenerMatches(ctx, l, i.listeners as In))
            .map((l) => l.uuid)
        : null;
      return ctx.events.unsilence(ls, uuids(i.subjects), (i.priorities as number[] | null) ?? null);
    },
  };
}

const prop =
  (name: string) =>
  (s: Record<string, unknown>): unknown =>
    s[name];

export function eventTypeFields(): Record<string, Fields> {
  const actor: Fields = { uuid: (s: never) => s };
  return {
    Myself: { actor: prop('actor') },
    SpecialActor: actor,
    UnknownActor: actor,
    Event: { subject: prop('subject'), priority: prop('priority'), token: prop('token') },
    Listener: {
      uuid: prop('uuid'),
      owner: prop('owner'),
      user_key: prop('user_key'),
      routing_key: prop('routing_key'),
      namespace: (s: Listener, _a: Args, ctx: RequestContext) => ctx.events.namespaces.get(s.namespace),
    },
    Namespace: { name: prop('name'), owner: prop('owner'), public: prop('public') },
    FullEvent: {
      subject: prop('subject'),
      priority: prop('priority'),
      silenced: prop('silenced'),
      listener: prop('listener'),
    },
    ListenerPaged: { objects: prop('objects'), page_info: prop('page_info') },
    NamespacePaged: { objects: prop('objects'), page_info: prop('page_info') },
    FullEventPaged: { objects: prop('objects'), page_info: prop('page_info') },
  };
}

/** The concrete Actor type: `me.actor.uuid` is ffffffff-… (UnknownActor) for a token without a uuid claim. */
export const resolveActorType = (uuid: string): string =>
  uuid === UNKNOWN_ACTOR ? 'UnknownActor' : 'SpecialActor';
