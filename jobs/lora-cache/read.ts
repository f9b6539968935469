/**
 * Opening the newest snapshot read-only: the one way other jobs (reports, OS2sync with `use_lc_db`, the SQL
 * export) read MO data in bulk. Query `reader.db` with plain SQL on the tables of ./schema.ts.
 */
import fs from 'node:fs';
import DatabaseCtor, { type Database } from 'better-sqlite3';
import type { JobContext, JobPaths } from '../../orchestrator/job.js';
import type { Settings } from '../../orchestrator/settings-store.js';
import { scratchPathOf } from '../dry-run.js';
import { SNAPSHOT_JOB, snapshotPath, type SnapshotMode } from './paths.js';
import { snapshotTables } from './schema.js';

export interface SnapshotInfo {
  mode: SnapshotMode;
  moUrl: string;
  graphqlVersion: string;
  /** When MO was first queried for this snapshot. */
  buildStarted: Date;
  /** When the snapshot was complete (just before it was renamed into place). */
  buildFinished: Date;
  /** False: the `brugere.cpr` column holds empty strings. */
  exportCpr: boolean;
  primaryManagerResponsibility: string | null;
  /** Rows per table. */
  rowCounts: Record<string, number>;
}

export interface SnapshotReader {
  /** The open read-only connection. */
  readonly db: Database;
  readonly info: SnapshotInfo;
  /** Absolute path of the snapshot file. */
  readonly path: string;
  close(): void;
}

export interface OpenSnapshotOptions {
  settings: Settings;
  paths: JobPaths;
  /** Default `actual`. */
  mode?: SnapshotMode;
  /**
   * Refuse a snapshot whose build started before this time. Pass `ctx.runStartedAt` when the job declared the
   * snapshot job as a prerequisite and it ran in this run (`ctx.prerequisitesRanThisRun`).
   */
  notOlderThan?: Date;
  /**
   * The run id of a dry run: read the snapshot this dry night built in its scratch area when there is one,
   * else the real snapshot (read-only, as always).
   */
  dryRunId?: string;
}

interface InfoRow {
  mode: string;
  mo_url: string;
  graphql_version: string;
  build_started: string;
  build_finished: string;
  export_cpr: number;
  primary_manager_responsibility: string | null;
  row_counts: string;
}

/** Reads `snapshot_info` from an open snapshot. */
export function readSnapshotInfo(db: Database): SnapshotInfo {
  const row = db.prepare('SELECT * FROM snapshot_info LIMIT 1').get() as InfoRow | undefined;
  if (!row) throw new Error('snapshot_info is empty');
  return {
    mode: row.mode as SnapshotMode,
    moUrl: row.mo_url,
    graphqlVersion: row.graphql_version,
    buildStarted: new Date(row.build_started),
    buildFinished: new Date(row.build_finished),
    exportCpr: row.export_cpr === 1,
    primaryManagerResponsibility: row.primary_manager_responsibility,
    rowCounts: JSON.parse(row.row_counts) as Record<string, number>,
  };
}

/** Opens the snapshot of a mode read-only. Throws a one-line Error naming the file and the job to run. */
export function openSnapshot(opts: OpenSnapshotOptions): SnapshotReader {
  const mode = opts.mode ?? 'actual';
  const job = SNAPSHOT_JOB[mode];
  const real = snapshotPath(opts.settings, opts.paths, mode);
  const scratch = opts.dryRunId && scratchPathOf(opts.paths.state, opts.dryRunId, job, real);
  const file = scratch && fs.existsSync(scratch) ? scratch : real;
  if (!fs.existsSync(file)) throw new Error(`snapshot ${file} does not exist; run ${job} first`);
  let db: Database;
  try {
    db = new DatabaseCtor(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`snapshot ${file} cannot be opened (${(err as Error).message}); run ${job} again`);
  }
  let info: SnapshotInfo;
  try {
    info = readSnapshotInfo(db);
  } catch (err) {
    db.close();
    throw new Error(`snapshot ${file} is not a valid snapshot (${(err as Error).message}); run ${job} again`);
  }
  if (info.mode !== mode) {
    db.close();
    throw new Error(
      `snapshot ${file} holds the ${info.mode} snapshot, not the ${mode} one; run ${job} again`,
    );
  }
  const present = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const missing = snapshotTables(mode)
    .map((t) => t.name)
    .filter((t) => !present.has(t));
  if (missing.length) {
    db.close();
    throw new Error(
      `snapshot ${file} lacks table ${missing.join(', ')} (built by an older version); run ${job} again`,
    );
  }
  if (opts.notOlderThan && info.buildStarted.getTime() < opts.notOlderThan.getTime()) {
    db.close();
    throw new Error(
      `snapshot ${file} was built at ${info.buildStarted.toISOString()}, before this run started ` +
        `(${opts.notOlderThan.toISOString()}); run ${job} first`,
    );
  }
  return { db, info, path: file, close: () => db.close() };
}

/**
 * The actual snapshot as a job of this night reads it: in a dry run the copy this dry night built in its scratch
 * area (when there is one); refused when built before this run started, if the snapshot job ran in this run
 * (`ctx.prerequisitesRanThisRun`) or the caller knows it did (`thisRun`).
 */
export function openNightSnapshot(
  ctx: Pick<
    JobContext,
    'settings' | 'paths' | 'prerequisitesRanThisRun' | 'runStartedAt' | 'dryRun' | 'runId'
  >,
  opts: { thisRun?: boolean } = {},
): SnapshotReader {
  return openSnapshot({
    settings: ctx.settings,
    paths: ctx.paths,
    mode: 'actual',
    ...(ctx.prerequisitesRanThisRun || opts.thisRun ? { notOlderThan: ctx.runStartedAt } : {}),
    dryRunId: ctx.dryRun ? ctx.runId : undefined,
  });
}

/**
 * Whether this run built the snapshot of `mode` before the job started (its job succeeded earlier in this run):
 * snapshot-capable jobs then read it instead of MO, so MO is read once a night.
 */
export function snapshotBuiltThisRun(
  ctx: Pick<JobContext, 'succeededThisRun'>,
  mode: SnapshotMode = 'actual',
): boolean {
  return ctx.succeededThisRun.includes(SNAPSHOT_JOB[mode]);
}

/** Whether the actual snapshot (built this run) holds CPR numbers; false when it cannot be opened. */
export function snapshotHasCpr(
  ctx: Pick<
    JobContext,
    'settings' | 'paths' | 'prerequisitesRanThisRun' | 'runStartedAt' | 'dryRun' | 'runId'
  >,
): boolean {
  try {
    const s = openNightSnapshot(ctx);
    try {
      return s.info.exportCpr;
    } finally {
      s.close();
    }
  } catch {
    return false;
  }
}

/**
 * This night's actual snapshot when this run built it and it holds CPR numbers; otherwise undefined (logged), and
 * the caller reads MO. For the jobs that need CPR numbers (the CPR map, the sanity check).
 */
export function nightSnapshotWithCpr(
  ctx: Pick<
    JobContext,
    | 'settings'
    | 'paths'
    | 'prerequisitesRanThisRun'
    | 'runStartedAt'
    | 'dryRun'
    | 'runId'
    | 'succeededThisRun'
  > & { logger: { info(msg: string): void } },
): SnapshotReader | undefined {
  if (!snapshotBuiltThisRun(ctx)) return undefined;
  const snapshot = openNightSnapshot(ctx, { thisRun: true });
  if (snapshot.info.exportCpr) return snapshot;
  snapshot.close();
  ctx.logger.info(
    'the snapshot holds no CPR numbers (exporters.actual_state.export_cpr is false); reading MO',
  );
  return undefined;
}
