/** What the three report jobs share: the snapshot, the output directory, the formats, the upload and "today". */
import path from 'node:path';
import type { JobContext } from '../../orchestrator/job.js';
import { wallTimeOf } from '../../orchestrator/zoned-time.js';
import { openNightSnapshot, type SnapshotReader } from '../lora-cache/read.js';
import type { BirthDate } from './cpr.js';
import { uploadReports, writeReport, type Uploader } from './output.js';
import { formatsSetting, outputDirSetting, uploadToMoSetting } from './settings.js';
import type { SnapshotData } from './snapshot-data.js';
import type { ReportTable } from './table.js';

/** Opens the actual-state snapshot; refuses one older than this run when the snapshot job ran in it. */
export function openReportSnapshot(ctx: JobContext): SnapshotReader {
  return openNightSnapshot(ctx);
}

export function outputDir(ctx: JobContext): string {
  const configured = ctx.settings.value(outputDirSetting);
  return configured ? path.resolve(ctx.paths.root, configured) : path.join(ctx.paths.state, 'reports');
}

/** `reports.upload_to_mo`, defaulting to on when MO is configured (`mora.base` or a Keycloak client id). */
export function uploadEnabled(ctx: JobContext): boolean {
  const explicit = ctx.settings.value(uploadToMoSetting);
  if (explicit !== undefined) return explicit;
  return ctx.settings.has('mora.base') || ctx.settings.has('crontab.CLIENT_ID') || Boolean(ctx.env.CLIENT_ID);
}

/** The run's start date in `runner.timezone` (default Europe/Copenhagen), for ages. */
export function runDate(ctx: JobContext): BirthDate {
  const tz = ctx.settings.get('runner.timezone');
  const timeZone = typeof tz === 'string' && tz !== '' ? tz : 'Europe/Copenhagen';
  const { year, month, day } = wallTimeOf(ctx.runStartedAt.getTime(), timeZone);
  return { year, month, day };
}

async function moUploader(ctx: JobContext): Promise<{ upload: Uploader; close(): void }> {
  const { createMoClient } = await import('../clients/mo.js');
  const client = createMoClient({
    settings: ctx.settings,
    env: ctx.env,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  return {
    upload: (name, content) => client.uploadFile(name, content, { force: true }),
    close: () => client.close(),
  };
}

export interface Delivered {
  outputs: string[];
  uploaded: number;
  /** Rows per table, in the order given. */
  rows: number[];
}

/** A table, or a function that builds it just before it is written (so only one large table is in memory). */
export type TableSource = ReportTable | (() => ReportTable);

/**
 * Writes every table (all formats) and, when upload is on, uploads every file. All files are written before the
 * first upload, so a failed upload never leaves the local reports half-updated. A dry run builds the tables
 * and writes nothing.
 */
export async function deliver(ctx: JobContext, sources: TableSource[]): Promise<Delivered> {
  const dir = outputDir(ctx);
  const formats = ctx.settings.value(formatsSetting);
  const outputs: string[] = [];
  const rows: number[] = [];
  for (const [i, source] of sources.entries()) {
    ctx.progress(i, sources.length, 'reports written');
    const t = typeof source === 'function' ? source() : source;
    rows.push(t.rows.length);
    if (ctx.dryRun) {
      ctx.logger.info(`dry run: would write ${t.fileBase} (${t.rows.length} rows) to ${dir}`);
      continue;
    }
    outputs.push(
      ...(await writeReport(t, { dir, formats, signal: ctx.signal, warn: (m) => ctx.logger.warn(m) })),
    );
    ctx.logger.info(`wrote ${t.fileBase} (${t.rows.length} rows)`);
  }
  ctx.progress(sources.length, sources.length, 'reports written');
  if (ctx.dryRun || !uploadEnabled(ctx)) return { outputs, uploaded: 0, rows };
  const uploader = await moUploader(ctx);
  try {
    await uploadReports(outputs, uploader.upload, ctx.signal);
  } catch (err) {
    throw new Error(`upload to MO failed, the reports are written in ${dir}: ${(err as Error).message}`);
  } finally {
    uploader.close();
  }
  ctx.logger.info(`uploaded ${outputs.length} files to MO's file store`);
  return { outputs, uploaded: outputs.length, rows };
}

/**
 * The rule of docs/jobs/reports.md: a unit whose parent has ended (is not in the actual-state snapshot) is shown as
 * a top-level unit, with one warning per such unit in the job's log; returns the summary for the job's status.
 */
export function warnEndedParents(ctx: JobContext, data: Pick<SnapshotData, 'endedParent'>): string[] {
  for (const { unit, parent } of data.endedParent) {
    ctx.logger.warn(
      `unit "${unit.name}" (${unit.uuid}) is shown as a top-level unit: its parent ${parent} has ended (not in the snapshot)`,
    );
  }
  const n = data.endedParent.length;
  return n ? [`${n} unit${n === 1 ? '' : 's'} shown as top-level: parent ended (see the job log)`] : [];
}
