/** reports_engagements_managers: "Engagementer og ledere" (and, with `reports.include_cpr`, the CPR variant). */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import {
  buildLines,
  engagementsManagersTable,
  withCprTable,
  type EngagementsManagersConfig,
} from './engagements-managers.js';
import { deliver, openReportSnapshot, runDate, warnEndedParents } from './job-common.js';
import * as s from './settings.js';
import { readSnapshotData } from './snapshot-data.js';

export function engagementsManagersConfig(ctx: JobContext): EngagementsManagersConfig {
  const v = ctx.settings;
  const top = v.value(s.orgUnitUuidSetting);
  return {
    ...(top ? { topUnitUuid: top } : {}),
    inheritManager: v.value(s.inheritManagerSetting),
    serviceNumberPrefixLength: v.value(s.serviceNumberPrefixSetting),
    lederType: v.value(s.lederTypeSetting),
    medlederType: v.value(s.medlederTypeSetting),
    medlederSlots: v.value(s.medlederSlotsSetting),
    administratorType: v.value(s.administratorTypeSetting),
    responsibilityColumns: v.value(s.responsibilityColumnsSetting),
    preferredResponsibility: v.value(s.preferredResponsibilitySetting),
    today: runDate(ctx),
  };
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const cfg = engagementsManagersConfig(ctx);
  const includeCpr = ctx.settings.value(s.includeCprSetting);
  const snapshot = openReportSnapshot(ctx);
  const warnings: string[] = [];
  let lines;
  try {
    if (includeCpr && !snapshot.info.exportCpr) {
      warnings.push(
        'the snapshot was built without CPR numbers (exporters.actual_state.export_cpr); CPR-nummer and Alder are empty',
      );
    }
    const data = readSnapshotData(snapshot.db, { contacts: 'first-email' });
    warnings.push(...warnEndedParents(ctx, data));
    lines = buildLines(data, cfg);
  } finally {
    snapshot.close();
  }
  for (const w of warnings) ctx.logger.warn(w);
  const l = lines;
  const sources = includeCpr
    ? [() => engagementsManagersTable(l), () => withCprTable(l)]
    : [() => engagementsManagersTable(l)];
  const { outputs, uploaded, rows } = await deliver(ctx, sources);
  return {
    counters: { rows: rows[0] ?? 0, files: outputs.length, uploaded },
    outputs,
    warnings,
    message: `${rows[0] ?? 0} rows in ${sources.length} report${sources.length === 1 ? '' : 's'}${uploaded ? `, ${uploaded} files uploaded to MO` : ''}`,
  };
}
