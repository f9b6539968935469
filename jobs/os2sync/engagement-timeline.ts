/**
 * From an engagement's validities to the model's engagement (decision 7), by the rule the snapshot's
 * `engagement_perioder` table follows too (jobs/lora-cache/engagement-periods.ts).
 */
import { engagementPeriod } from '../lora-cache/engagement-periods.js';
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
  const period = engagementPeriod(validities, today);
  if (!period) return null;
  const { effective } = period;
  return {
    uuid,
    personUuid: effective.personUuid,
    unitUuid: effective.unitUuid,
    jobFunction: effective.jobFunction,
    isPrimary: effective.isPrimary,
    startDate: period.firstStart ?? '0001-01-01',
    stopDate: period.lastEnd,
  };
}
