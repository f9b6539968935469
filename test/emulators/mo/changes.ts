/**
 * Test controls that change MO's data the way MO's writers do, each followed by what MO's event generator
 * makes of it (specs/events.md §3): a registration event for the object (create, update, terminate,
 * bitemporal delete), and validity-boundary events when MO's date moves past a period's bound.
 */
import { addDays } from '../../fixtures/dates.js';
import type { EntityName, Fixture, ISODate } from '../../fixtures/types.js';
import { ROUTING_KEY, type EventSystem } from './events.js';
import { validityAtDate, type AnyObject, type AnyValidity } from './store.js';

/** What the controls need of the server: its fixture, date, indexes and event system. */
export interface ChangeTarget {
  options: { fixture: Fixture; now: ISODate };
  events: EventSystem;
  reindex(): void;
}

export interface MoChanges {
  /** Sets fields on the validity that holds today (e.g. `{ surname: 'Nyt' }`, `{ parent: unit }`). */
  update(kind: EntityName, uuid: string, fields: Record<string, unknown>): void;
  /** Adds an object (`validities` as in the fixture). */
  create(kind: EntityName, obj: { uuid: string; validities: AnyValidity[] }): void;
  /** Ends the object: its current validity's last day becomes `lastDay` (inclusive; default yesterday). */
  terminate(kind: EntityName, uuid: string, lastDay?: ISODate): void;
  /** Bitemporal delete: the object is gone from every read; the generator still emits its event. */
  remove(kind: EntityName, uuid: string): void;
  /** Moves a unit under another parent (an `org_unit` event for that unit only, none for its subtree). */
  moveUnit(uuid: string, parent: string | null): void;
  /** MO's date moves to `date`: one event per object with a validity bound in (old date, date]. */
  advanceTo(date: ISODate): number;
  /** Sets MO's date without events (as if the generator's bookmark was already there). */
  setDate(date: ISODate): void;
}

const list = (t: ChangeTarget, kind: EntityName): AnyObject[] =>
  t.options.fixture[kind] as unknown as AnyObject[];

function find(t: ChangeTarget, kind: EntityName, uuid: string): AnyObject {
  const obj = list(t, kind).find((o) => o.uuid === uuid);
  if (!obj) throw new Error(`MO emulator: no ${kind} ${uuid}`);
  return obj;
}

function emit(t: ChangeTarget, kind: EntityName, uuid: string): void {
  const key = ROUTING_KEY[kind];
  if (key) t.events.changed(key, uuid);
}

export function moChanges(t: ChangeTarget): MoChanges {
  return {
    update(kind, uuid, fields) {
      const obj = find(t, kind, uuid);
      const v = validityAtDate(obj, t.options.now) ?? obj.validities[obj.validities.length - 1];
      if (!v) throw new Error(`MO emulator: ${kind} ${uuid} has no validity`);
      Object.assign(v, fields);
      t.reindex();
      emit(t, kind, uuid);
    },
    create(kind, obj) {
      list(t, kind).push(obj as AnyObject);
      t.reindex();
      emit(t, kind, obj.uuid);
    },
    terminate(kind, uuid, lastDay = addDays(t.options.now, -1)) {
      const obj = find(t, kind, uuid);
      obj.validities = obj.validities.filter((v) => v.from === null || v.from <= lastDay);
      const last = obj.validities[obj.validities.length - 1];
      if (last && (last.to === null || last.to > lastDay)) last.to = lastDay;
      t.reindex();
      emit(t, kind, uuid);
    },
    remove(kind, uuid) {
      const all = list(t, kind);
      const i = all.findIndex((o) => o.uuid === uuid);
      if (i < 0) throw new Error(`MO emulator: no ${kind} ${uuid}`);
      all.splice(i, 1);
      t.reindex();
      emit(t, kind, uuid);
    },
    moveUnit(uuid, parent) {
      this.update('org_units', uuid, { parent });
    },
    advanceTo(date) {
      const from = t.options.now;
      t.options.now = date;
      t.reindex();
      let n = 0;
      const passed = (d: ISODate | null): boolean => d !== null && d > from && d <= date;
      for (const kind of Object.keys(ROUTING_KEY) as EntityName[]) {
        for (const obj of list(t, kind) ?? []) {
          // a period's bounds: its first day, and the day after its (inclusive) last day
          if (obj.validities.some((v) => passed(v.from) || (v.to !== null && passed(addDays(v.to, 1))))) {
            emit(t, kind, obj.uuid);
            n += 1;
          }
        }
      }
      return n;
    },
    setDate(date) {
      t.options.now = date;
      t.reindex();
    },
  };
}
