/**
 * What a snapshot of a fixture must hold, computed straight from the fixture (not through the builder's mappers):
 * rows per table, and the validity of an object a snapshot mode shows.
 */
import { overlaps } from '../fixtures/dates.js';
import { fixtureCounts } from '../fixtures/generate.js';
import type { Fixture, Temporal, Validity } from '../fixtures/types.js';
import type { SnapshotMode } from '../../jobs/lora-cache/paths.js';

export function windowOf(fixture: Fixture, mode: SnapshotMode): [string | null, string | null] {
  if (mode === 'actual') return [fixture.today, fixture.today];
  return mode === 'historic' ? [null, null] : [fixture.today, null];
}

/** The validities of an object a snapshot in `mode` holds. */
export function shown<F>(fixture: Fixture, mode: SnapshotMode, obj: Temporal<F>): Array<Validity & F> {
  const [start, end] = windowOf(fixture, mode);
  const v = obj.validities.filter((x) => overlaps(x.from, x.to, start, end));
  return mode === 'actual' ? v.slice(0, 1) : v;
}

export function expectedRowCounts(fixture: Fixture, mode: SnapshotMode): Record<string, number> {
  const c = fixtureCounts(fixture, mode);
  const all = <F>(list: Temporal<F>[]) => list.flatMap((o) => shown(fixture, mode, o));
  const classScope = new Map(fixture.classes.map((k) => [k.uuid, k.validities[0]?.scope ?? null]));
  const dar = new Set(
    all(fixture.addresses)
      .filter((a) => classScope.get(a.address_type) === 'DAR')
      .map((a) => a.value),
  );
  const historicClasses = mode === 'actual' ? c.classes.objects : fixture.classes.length;
  const engagementPeriods: Record<string, number> =
    mode === 'actual'
      ? {
          engagement_perioder: fixture.engagements.filter((e) =>
            e.validities.some((v) => overlaps(v.from, v.to, fixture.today, null)),
          ).length,
        }
      : {};
  return {
    facetter: c.facets.objects,
    klasser: historicClasses,
    it_systemer: c.itsystems.objects,
    enheder: c.org_units.validities,
    brugere: c.persons.validities,
    adresser: c.addresses.validities,
    dar_adresser: dar.size,
    engagementer: c.engagements.validities,
    tilknytninger: c.associations.validities,
    orlover: c.leaves.validities,
    ledere: c.managers.validities,
    leder_ansvar: all(fixture.managers).reduce((n, m) => n + m.responsibilities.length, 0),
    it_forbindelser: c.itusers.validities,
    it_forbindelse_engagementer: all(fixture.itusers).reduce((n, i) => n + i.engagements.length, 0),
    kle: all(fixture.kles).reduce((n, k) => n + k.kle_aspects.length, 0),
    enhedssammenkobling: c.related_units.validities,
    ...engagementPeriods,
  };
}

/** Class name / user_key / scope by UUID (the fixture's classes have one validity unless a test adds history). */
export function classInfo(
  fixture: Fixture,
  uuid: string | null,
): { name: string; user_key: string; scope: string | null; parent: string | null } | undefined {
  if (!uuid) return undefined;
  const c = fixture.classes.find((k) => k.uuid === uuid);
  const v = c?.validities[c.validities.length - 1];
  return v ? { name: v.name, user_key: v.user_key, scope: v.scope, parent: v.parent } : undefined;
}
