/** reports_invalid_cpr: persons with a missing, malformed or impossible CPR number; fictive ones flagged. */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { buildInvalidCpr } from './invalid-cpr.js';
import { deliver, openReportSnapshot } from './job-common.js';
import * as s from './settings.js';
import { readPersonsOnly } from './snapshot-data.js';

export async function run(ctx: JobContext): Promise<JobResult> {
  const includeCpr = ctx.settings.value(s.includeCprSetting);
  const snapshot = openReportSnapshot(ctx);
  let result;
  try {
    if (!snapshot.info.exportCpr) {
      throw new Error(
        'the snapshot holds no CPR numbers (exporters.actual_state.export_cpr is false); nothing to check',
      );
    }
    result = buildInvalidCpr(readPersonsOnly(snapshot.db).values(), includeCpr);
  } finally {
    snapshot.close();
  }
  const { outputs, uploaded } = await deliver(ctx, [result.table]);
  const c = result.counts;
  return {
    counters: { ...c, files: outputs.length, uploaded },
    outputs,
    message: `${c.missing} missing, ${c.format} malformed, ${c.date} impossible dates, ${c.fictive} fictive`,
  };
}
