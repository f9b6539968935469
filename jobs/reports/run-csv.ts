/** reports_csv: the five shared reports of specs/reports.md §5.1, from the snapshot. */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { deliver, openReportSnapshot, warnEndedParents } from './job-common.js';
import * as s from './settings.js';
import { buildSharedReports } from './shared-reports.js';
import { readSnapshotData } from './snapshot-data.js';

export async function run(ctx: JobContext): Promise<JobResult> {
  const orgName = ctx.settings.value(s.orgNameSetting);
  const payOrgName = ctx.settings.value(s.payOrgNameSetting);
  const includeCpr = ctx.settings.value(s.includeCprSetting);
  const snapshot = openReportSnapshot(ctx);
  let tables;
  let warnings: string[];
  try {
    const data = readSnapshotData(snapshot.db);
    warnings = warnEndedParents(ctx, data);
    tables = buildSharedReports(data, {
      ...(orgName ? { orgName } : {}),
      ...(payOrgName ? { payOrgName } : {}),
      includeCpr,
    });
  } finally {
    snapshot.close();
  }
  const { outputs, uploaded } = await deliver(ctx, tables);
  const rows = tables.reduce((n, t) => n + t.rows.length, 0);
  return {
    counters: { rows, files: outputs.length, uploaded },
    outputs,
    warnings,
    message: `${tables.length} reports, ${rows} rows${uploaded ? `, ${uploaded} files uploaded to MO` : ''}`,
  };
}
