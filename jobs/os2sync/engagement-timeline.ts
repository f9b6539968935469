/**
 * From an engagement's validities to the model's engagement (decision 7): the fields of the validity in
 * effect today, else of the first future one; StartDate = earliest start, StopDate = last end (null = open).
 * Shared by both readers so they agree to the byte.
 */
import type { EngagementRec } from './model.js';

export interface EngagementValidity {
  personUuid: string;
  unitUuid: string;
  jobFunction: string;
  isPrimary: boolean;
  /** `yyyy-MM-dd`, null = since forever. */
  from: string | null;
  /** `yyyy-MM-dd` inclusive, null = open. */
  to: string | null;
}

/** Returns null for an engagement that ended before today. */
export function engagementFromTimeline(
  uuid: string,
  validities: EngagementValidity[],
  today: string,
): (EngagementRec & { personUuid: string }) | null {
  if (validities.length === 0) return null;
  const sorted = [...validities].sort((a, b) =>
    (a.from ?? '') < (b.from ?? '') ? -1 : (a.from ?? '') > (b.from ?? '') ? 1 : 0,
  );
  const effective =
    sorted.find((v) => (v.from === null || v.from <= today) && (v.to === null || v.to >= today)) ??
    sorted.find((v) => v.from !== null && v.from > today);
  if (!effective) return null;
  const last = sorted[sorted.length - 1]!;
  const stop = sorted.some((v) => v.to === null) ? null : last.to;
  return {
    uuid,
    personUuid: effective.personUuid,
    unitUuid: effective.unitUuid,
    jobFunction: effective.jobFunction,
    isPrimary: effective.isPrimary,
    startDate: sorted[0]!.from ?? '0001-01-01',
    stopDate: stop,
  };
}
