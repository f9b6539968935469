/**
 * `exports_actual_state_export` / `exports_historic_sql_export`: the snapshot → the configured SQL database.
 * A dry run copies into a SQLite file in the scratch area instead (for a PostgreSQL target after checking that
 * it can connect, with no statement that changes anything there).
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { SettingsError } from '../../orchestrator/settings-store.js';
import { localTimestamp } from '../lora-cache/dates.js';
import { openSnapshot } from '../lora-cache/read.js';
import { runnerTimezone } from '../lora-cache/settings.js';
import { reportDryWrite, writeTarget } from '../dry-run.js';
import type { ExportTimes } from './export-types.js';
import type { PostgresConnection } from './postgres-target.js';
import { resolveTarget, type TargetKind } from './settings.js';
import { exportToSqlite } from './sqlite-target.js';

export async function runSqlExport(ctx: JobContext, kind: TargetKind): Promise<JobResult> {
  const target = resolveTarget(ctx.settings, ctx.paths, kind);
  const snapshot = openSnapshot({
    settings: ctx.settings,
    paths: ctx.paths,
    mode: kind === 'actual' ? 'actual' : 'historic',
    notOlderThan: ctx.prerequisitesRanThisRun ? ctx.runStartedAt : undefined,
    dryRunId: ctx.dryRun ? ctx.runId : undefined,
  });
  const tz = runnerTimezone(ctx.settings);
  const started = Date.now();
  try {
    const kv = snapshot.db.prepare('SELECT query_tid FROM kvittering ORDER BY id DESC LIMIT 1').get() as
      { query_tid: string } | undefined;
    const times: ExportTimes = {
      queryTid: kv?.query_tid ?? localTimestamp(tz, snapshot.info.buildStarted),
      startLeveringTid: localTimestamp(tz, new Date()),
      now: () => localTimestamp(tz, new Date()),
    };
    const total = Object.values(snapshot.info.rowCounts).reduce((a, b) => a + b, 0);
    let where: string;
    let rows: Record<string, number>;
    if (ctx.dryRun) {
      where = target.type === 'SQLite' ? target.file : await checkPostgres(target, ctx.signal);
      const scratch = writeTarget(ctx, target.type === 'SQLite' ? target.file : `${target.database}.db`);
      ({ rows } = exportToSqlite(snapshot.path, scratch, times, ctx.signal));
      const copied = Object.values(rows).reduce((a, b) => a + b, 0);
      const message = reportDryWrite(ctx, where, scratch, `${copied} rows`);
      return { counters: { rows: copied }, outputs: [scratch], message };
    }
    if (target.type === 'SQLite') {
      if (target.file === snapshot.path) {
        const key =
          kind === 'actual' ? 'exporters.actual_state.db_name' : 'exporters.actual_state_historic.db_name';
        throw new SettingsError(key, `names the snapshot itself (${target.file}); choose another name`);
      }
      where = target.file;
      ctx.logger.info(`copying the ${snapshot.info.mode} snapshot into SQLite ${where}`);
      ({ rows } = exportToSqlite(snapshot.path, target.file, times, ctx.signal));
    } else {
      where = postgresUrl(target);
      ctx.logger.info(`copying the ${snapshot.info.mode} snapshot into ${where}`);
      const { connectPostgres, exportToPostgres } = await postgresTarget();
      const client = await connectPostgres(target, ctx.signal).catch((err: Error) => {
        throw new Error(`cannot connect to ${where}: ${err.message}`);
      });
      try {
        let done = 0;
        let last = 0;
        ({ rows } = await exportToPostgres(client, snapshot.db, times, {
          signal: ctx.signal,
          onRows: (_t, n) => {
            done += n - last;
            last = n;
            ctx.progress(done, total, 'rows copied');
          },
        }));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const copied = Object.values(rows).reduce((a, b) => a + b, 0);
    const secs = (Date.now() - started) / 1000;
    const message = `${copied} rows copied into ${where} in ${secs.toFixed(1)} s (${Math.round(copied / Math.max(secs, 0.001))} rows/s)`;
    ctx.logger.info(message);
    return { counters: { rows: copied }, outputs: target.type === 'SQLite' ? [target.file] : [], message };
  } finally {
    snapshot.close();
  }
}

/** pg is loaded only for a PostgreSQL target: a SQLite export's process is spared its ≈60 ms of start-up. */
const postgresTarget = () => import('./postgres-target.js');

const postgresUrl = (t: PostgresConnection): string =>
  `postgresql://${t.user}@${t.host}:${t.port}/${t.database}`;

/** Dry run: connects and runs `SELECT 1`, so a wrong host or password shows; returns the target's URL. */
async function checkPostgres(target: PostgresConnection, signal: AbortSignal): Promise<string> {
  const where = postgresUrl(target);
  const { connectPostgres } = await postgresTarget();
  const client = await connectPostgres(target, signal).catch((err: Error) => {
    throw new Error(`cannot connect to ${where}: ${err.message}`);
  });
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
  return where;
}

export const runActualStateExport = (ctx: JobContext) => runSqlExport(ctx, 'actual');
export const runHistoricSqlExport = (ctx: JobContext) => runSqlExport(ctx, 'historic');
