/**
 * An engagement's whole period from its validities (os2sync decision 7): the validity in effect today, else the
 * first future one, fills the data; the period runs from the earliest start to the last end. The snapshot's
 * `engagement_perioder` table and OS2sync's MO reader both use this rule, so they agree to the byte.
 */

export interface DatedValidity {
  /** `yyyy-MM-dd`, null = since forever. */
  from: string | null;
  /** `yyyy-MM-dd` inclusive, null = open. */
  to: string | null;
}

export interface EngagementPeriod<V extends DatedValidity> {
  /** The validity in effect today, or the first one starting later. */
  effective: V;
  /** Earliest start (null = since forever). */
  firstStart: string | null;
  /** Last end (null = open). */
  lastEnd: string | null;
}

/** Null when the engagement ended before today (or has no validities). */
export function engagementPeriod<V extends DatedValidity>(
  validities: readonly V[],
  today: string,
): EngagementPeriod<V> | null {
  if (validities.length === 0) return null;
  const sorted = [...validities].sort((a, b) =>
    (a.from ?? '') < (b.from ?? '') ? -1 : (a.from ?? '') > (b.from ?? '') ? 1 : 0,
  );
  const effective =
    sorted.find((v) => (v.from === null || v.from <= today) && (v.to === null || v.to >= today)) ??
    sorted.find((v) => v.from !== null && v.from > today);
  if (!effective) return null;
  return {
    effective,
    firstStart: sorted[0]!.from,
    lastEnd: sorted.some((v) => v.to === null) ? null : sorted[sorted.length - 1]!.to,
  };
}
