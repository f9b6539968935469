/**
 * Facets, classes and IT systems: small, read first and held in memory so every other page can be written with
 * its class titles as it arrives. In historic modes a class may have several validities; `at(uuid, date)` gives
 * the class as of a row's own validity (DIPEX used today's title).
 */
import { fromDate, toDate, type MoValidity } from './dates.js';

export interface ClassPeriod {
  uuid: string;
  user_key: string;
  name: string;
  scope: string | null;
  facet_uuid: string | null;
  parent_uuid: string | null;
  from: string;
  to: string;
}

export interface MoClass {
  uuid: string;
  user_key: string;
  name: string;
  scope?: string | null;
  facet_uuid?: string | null;
  parent_uuid?: string | null;
  validity?: MoValidity | null;
}

export class ClassCatalogue {
  readonly facets = new Map<string, string>();
  readonly itsystems = new Map<string, string>();
  private readonly classes = new Map<string, ClassPeriod[]>();

  addFacet(uuid: string, userKey: string): void {
    this.facets.set(uuid, userKey);
  }

  addClass(c: MoClass): void {
    const period: ClassPeriod = {
      uuid: c.uuid,
      user_key: c.user_key,
      name: c.name,
      scope: c.scope ?? null,
      facet_uuid: c.facet_uuid ?? null,
      parent_uuid: c.parent_uuid ?? null,
      from: fromDate(c.validity?.from),
      to: toDate(c.validity?.to),
    };
    const list = this.classes.get(c.uuid);
    if (!list) this.classes.set(c.uuid, [period]);
    else {
      list.push(period);
      list.sort((a, b) => a.from.localeCompare(b.from));
    }
  }

  has(uuid: string): boolean {
    return this.classes.has(uuid);
  }

  /** The class as of `date` (YYYY-MM-DD); without a date, or when no period covers it, the nearest period. */
  at(uuid: string, date?: string): ClassPeriod | undefined {
    const list = this.classes.get(uuid);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    if (!date) return this.current(uuid);
    let best = list[0];
    for (const p of list) if (p.from <= date) best = p;
    return best;
  }

  /** The period valid on `today`, else the latest one (the `klasser` row). */
  current(uuid: string, today?: string): ClassPeriod | undefined {
    const list = this.classes.get(uuid);
    if (!list) return undefined;
    if (today) {
      const now = list.find((p) => p.from <= today && today <= p.to);
      if (now) return now;
    }
    return list[list.length - 1];
  }

  /** Every class, one (current) period each. */
  *all(today?: string): Iterable<ClassPeriod> {
    for (const uuid of this.classes.keys()) yield this.current(uuid, today)!;
  }

  get classCount(): number {
    return this.classes.size;
  }
}
