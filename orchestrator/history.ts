/**
 * Run and job history in SQLite (`{state_dir}/history.sqlite`): one function per operation, statements
 * prepared once at open, WAL and a busy timeout so `status` can read while a run writes.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { JobStatus, Stage } from './job.js';
import type { JobRecord, RunStatus, RunTrigger } from './events.js';
import { diskError, StateFileError } from './errors.js';

/** What a run was: the whole night, the jobs or stages an operator named, or a resume of a night. */
export type RunKind = 'night' | 'jobs' | 'resume';

export interface RunRow {
  id: string;
  trigger: RunTrigger;
  kind: RunKind;
  /** kind `jobs`: the names given (job or stage names); else empty. */
  selection: string[];
  /** kind `resume`: the id of the night it resumed. */
  resumes: string | null;
  status: RunStatus;
  started: string;
  finished: string | null;
  exitCode: number | null;
  pid: number | null;
  logDir: string | null;
  dryRun: boolean;
}

export interface JobRunRow {
  runId: string;
  name: string;
  stage: Stage;
  status: JobStatus;
  started: string | null;
  finished: string | null;
  durationMs: number | null;
  message: string | null;
  log: string | null;
  counters: Record<string, number> | null;
}

export interface Heartbeat {
  pid: number;
  startedAt: string;
  nextRunAt: string | null;
  at: string;
}

/** A job's record in a run: job_runs holds the newest attempt (and its order), job_attempts the earlier ones. */
const jobColumns = `
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL,
  started TEXT,
  finished TEXT,
  duration_ms INTEGER,
  message TEXT,
  log_path TEXT,
  counters TEXT`;
const jobColumnNames =
  'run_id, name, stage, status, started, finished, duration_ms, message, log_path, counters';

const schema = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT,
  exit_code INTEGER,
  pid INTEGER,
  log_dir TEXT,
  dry_run INTEGER NOT NULL DEFAULT 0,
  kind TEXT,
  selection TEXT,
  resumes TEXT
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE TABLE IF NOT EXISTS job_runs (${jobColumns},
  seq INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE INDEX IF NOT EXISTS job_runs_name ON job_runs(name, run_id);
-- earlier attempts of a job within one run (a task retried by argo retry): job_runs keeps the newest
CREATE TABLE IF NOT EXISTS job_attempts (${jobColumns}
);
CREATE INDEX IF NOT EXISTS job_attempts_name ON job_attempts(name, run_id);
CREATE TABLE IF NOT EXISTS heartbeat (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  next_run_at TEXT,
  at TEXT NOT NULL
);
`;

type Row = Record<string, unknown>;

/**
 * Brings a history file written by an older version up to date, in place: the `kind`, `selection` and
 * `resumes` columns of runs. Old rows get the kind they must have had: `resume` by their trigger; a
 * scheduled run, or one that recorded disabled jobs (only a full run does), is a `night`; others are `jobs`.
 */
function migrate(db: Database.Database): void {
  const columns = new Set(
    (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name),
  );
  if (columns.has('kind')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE runs ADD COLUMN kind TEXT');
    db.exec('ALTER TABLE runs ADD COLUMN selection TEXT');
    db.exec('ALTER TABLE runs ADD COLUMN resumes TEXT');
    db.exec(`UPDATE runs SET kind = CASE
      WHEN trigger = 'resume' THEN 'resume'
      WHEN trigger IN ('schedule', 'catch-up') THEN 'night'
      WHEN EXISTS (SELECT 1 FROM job_runs j WHERE j.run_id = runs.id AND j.status = 'disabled') THEN 'night'
      ELSE 'jobs' END`);
  }).immediate();
}

const kindOf = (r: Row): RunKind =>
  r.kind === 'night' || r.kind === 'jobs' || r.kind === 'resume'
    ? r.kind
    : r.trigger === 'resume'
      ? 'resume'
      : 'night';

function toRun(r: Row | undefined): RunRow | undefined {
  if (!r) return undefined;
  return {
    id: r.id as string,
    trigger: r.trigger as RunTrigger,
    kind: kindOf(r),
    selection: r.selection ? (JSON.parse(r.selection as string) as string[]) : [],
    resumes: (r.resumes as string | null) ?? null,
    status: r.status as RunStatus,
    started: r.started as string,
    finished: (r.finished as string | null) ?? null,
    exitCode: (r.exit_code as number | null) ?? null,
    pid: (r.pid as number | null) ?? null,
    logDir: (r.log_dir as string | null) ?? null,
    dryRun: r.dry_run === 1,
  };
}

function toJobRun(r: Row): JobRunRow {
  return {
    runId: r.run_id as string,
    name: r.name as string,
    stage: r.stage as Stage,
    status: r.status as JobStatus,
    started: (r.started as string | null) ?? null,
    finished: (r.finished as string | null) ?? null,
    durationMs: (r.duration_ms as number | null) ?? null,
    message: (r.message as string | null) ?? null,
    log: (r.log_path as string | null) ?? null,
    counters: r.counters ? (JSON.parse(r.counters as string) as Record<string, number>) : null,
  };
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export type History = ReturnType<typeof openHistoryDb>;

const unusable: Record<string, string> = {
  SQLITE_NOTADB: 'is not a SQLite database',
  SQLITE_CORRUPT: 'is corrupt',
};

/**
 * Opens (creating) the history database. `file` may be ':memory:' in tests. A corrupt file or a full disk is
 * an operator condition (StateFileError, exit 2) naming the file and the way out.
 */
export function openHistory(file: string, opts: { readonly?: boolean } = {}): History {
  try {
    return openHistoryDb(file, opts);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const why = unusable[code] ?? unusable[code.replace(/_[A-Z]+$/, '')];
    if (why) {
      throw new StateFileError(
        file,
        `${why}; move it aside (mv ${file} ${file}.broken) and the next run starts a new history`,
      );
    }
    throw diskError(err, file) ?? err;
  }
}

function openHistoryDb(file: string, opts: { readonly?: boolean } = {}) {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const readonly = opts.readonly === true && file !== ':memory:' && fs.existsSync(file);
  const db = new Database(file, readonly ? { readonly: true, fileMustExist: true } : {});
  db.pragma('busy_timeout = 5000');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(schema);
    migrate(db);
    if (file !== ':memory:') fs.chmodSync(file, 0o600);
  }
  const hasTables = readonly
    ? (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'runs'").get() as { n: number })
    : { n: 1 };
  if (hasTables.n === 0) db.exec(schema);

  const s = readonly
    ? undefined
    : {
        insertRun: db.prepare(
          'INSERT INTO runs (id, trigger, status, started, pid, log_dir, dry_run, kind, selection, resumes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ),
        finishRun: db.prepare('UPDATE runs SET status = ?, finished = ?, exit_code = ? WHERE id = ?'),
        reopenRun: db.prepare(
          "UPDATE runs SET status = 'running', finished = NULL, exit_code = NULL WHERE id = ?",
        ),
        upsertJob:
          db.prepare(`INSERT INTO job_runs (run_id, name, stage, status, started, finished, duration_ms, message, log_path, counters, seq)
          VALUES (@runId, @name, @stage, @status, @started, @finished, @durationMs, @message, @log, @counters,
                  (SELECT count(*) FROM job_runs WHERE run_id = @runId))
          ON CONFLICT (run_id, name) DO UPDATE SET status = @status, started = @started, finished = @finished,
            duration_ms = @durationMs, message = @message, log_path = @log, counters = @counters`),
        setHeartbeat:
          db.prepare(`INSERT INTO heartbeat (id, pid, started_at, next_run_at, at) VALUES (1, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, started_at = excluded.started_at,
            next_run_at = excluded.next_run_at, at = excluded.at`),
        oldRuns: db.prepare('SELECT id, log_dir FROM runs WHERE started < ? AND status != ?'),
        deleteRun: db.prepare('DELETE FROM runs WHERE id = ?'),
        deleteJobs: db.prepare('DELETE FROM job_runs WHERE run_id = ?'),
        archiveAttempt: db.prepare(
          `INSERT INTO job_attempts (${jobColumnNames})
           SELECT ${jobColumnNames}
           FROM job_runs WHERE run_id = ? AND name = ? AND status NOT IN ('pending', 'running')`,
        ),
        runningRuns: db.prepare("SELECT id, pid FROM runs WHERE status = 'running'"),
        abandonJobs: db.prepare(
          "UPDATE job_runs SET status = 'cancelled', message = ? WHERE run_id = ? AND status IN ('running', 'pending')",
        ),
      };
  // a read-only open of a database from before job_attempts existed
  const hasAttempts =
    (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'job_attempts'").get() as { n: number })
      .n > 0;
  const r = {
    getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
    lastRun: db.prepare(
      "SELECT * FROM runs WHERE status != 'skipped_overlap' ORDER BY started DESC, rowid DESC LIMIT 1",
    ),
    lastNight: db.prepare(
      "SELECT * FROM runs WHERE status NOT IN ('skipped_overlap', 'running') AND dry_run = 0 AND kind = 'night' ORDER BY started DESC, rowid DESC LIMIT 1",
    ),
    succeededSince: db.prepare(
      "SELECT DISTINCT j.name FROM job_runs j JOIN runs r ON r.id = j.run_id WHERE r.started > ? AND r.dry_run = 0 AND j.status = 'succeeded'",
    ),
    jobCounts: db.prepare(
      "SELECT status, count(*) AS n FROM job_runs WHERE run_id = ? AND status != 'disabled' GROUP BY status",
    ),
    listRuns: db.prepare('SELECT * FROM runs ORDER BY started DESC, rowid DESC LIMIT ?'),
    jobsOfRun: db.prepare('SELECT * FROM job_runs WHERE run_id = ? ORDER BY seq'),
    jobHistory: db.prepare(
      hasAttempts
        ? `SELECT j.run_id, j.name, j.stage, j.status, j.started, j.finished, j.duration_ms, j.message, j.log_path, j.counters, r.started AS run_started, r.rowid AS run_rowid, 1 AS newest FROM job_runs j JOIN runs r ON r.id = j.run_id WHERE j.name = @name
       UNION ALL
       SELECT a.run_id, a.name, a.stage, a.status, a.started, a.finished, a.duration_ms, a.message, a.log_path, a.counters, r.started AS run_started, r.rowid AS run_rowid, 0 AS newest FROM job_attempts a JOIN runs r ON r.id = a.run_id
         WHERE a.name = @name
       ORDER BY 11 DESC, 12 DESC, 13 DESC, 5 DESC LIMIT @limit`
        : 'SELECT j.* FROM job_runs j JOIN runs r ON r.id = j.run_id WHERE j.name = @name ORDER BY r.started DESC, r.rowid DESC LIMIT @limit',
    ),
    lastJobRun: db.prepare(
      "SELECT j.* FROM job_runs j JOIN runs r ON r.id = j.run_id WHERE j.name = ? AND j.status NOT IN ('pending', 'disabled') AND r.dry_run = 0 ORDER BY r.started DESC, r.rowid DESC LIMIT 1",
    ),
    runningJobs: db.prepare("SELECT * FROM job_runs WHERE run_id = ? AND status = 'running'"),
    getHeartbeat: db.prepare('SELECT * FROM heartbeat WHERE id = 1'),
  };
  const writable = () => {
    if (!s) throw new Error('history opened read-only');
    return s;
  };

  return {
    file,
    close: () => db.close(),

    startRun(run: {
      id: string;
      trigger: RunTrigger;
      kind?: RunKind;
      selection?: string[];
      resumes?: string;
      startedAt: Date;
      pid: number;
      logDir: string;
      dryRun?: boolean;
    }): void {
      writable().insertRun.run(
        run.id,
        run.trigger,
        'running',
        run.startedAt.toISOString(),
        run.pid,
        run.logDir,
        run.dryRun ? 1 : 0,
        run.kind ?? 'night',
        run.selection?.length ? JSON.stringify(run.selection) : null,
        run.resumes ?? null,
      );
    },

    finishRun(id: string, status: RunStatus, finishedAt: Date, exitCode: number): void {
      writable().finishRun.run(status, finishedAt.toISOString(), exitCode, id);
    },

    /** An ended run goes on (`argo retry` of a split night); its next end finishes it again. */
    reopenRun(id: string): void {
      writable().reopenRun.run(id);
    },

    /** Inserts or updates one job's row (called on start and on end). */
    recordJob(runId: string, job: JobRecord): void {
      writable().upsertJob.run({
        runId,
        name: job.name,
        stage: job.stage,
        status: job.status,
        started: iso(job.startedAt),
        finished: iso(job.finishedAt),
        durationMs: job.durationMs ?? null,
        message: job.message ?? null,
        log: job.logPath ?? null,
        counters: job.counters ? JSON.stringify(job.counters) : null,
      });
    },

    /**
     * A job starts again in a run where it already ended (`argo retry`): its finished row moves to the
     * attempts, so `history JOB` lists both.
     */
    archiveAttempt(runId: string, name: string): void {
      writable().archiveAttempt.run(runId, name);
    },

    /** A scheduled run that did not start because another run held the lock. */
    recordSkippedOverlap(trigger: RunTrigger, at: Date): string {
      const id = `${runIdFor(at)}-overlap`;
      const w = writable();
      w.insertRun.run(
        id,
        trigger,
        'skipped_overlap',
        at.toISOString(),
        process.pid,
        null,
        0,
        'night',
        null,
        null,
      );
      w.finishRun.run('skipped_overlap', at.toISOString(), 3, id);
      return id;
    },

    setHeartbeat(hb: { pid: number; startedAt: Date; nextRunAt: Date | null; at: Date }): void {
      writable().setHeartbeat.run(
        hb.pid,
        hb.startedAt.toISOString(),
        hb.nextRunAt ? hb.nextRunAt.toISOString() : null,
        hb.at.toISOString(),
      );
    },

    getHeartbeat(): Heartbeat | undefined {
      const row = r.getHeartbeat.get() as Row | undefined;
      if (!row) return undefined;
      return {
        pid: row.pid as number,
        startedAt: row.started_at as string,
        nextRunAt: (row.next_run_at as string | null) ?? null,
        at: row.at as string,
      };
    },

    getRun: (id: string): RunRow | undefined => toRun(r.getRun.get(id) as Row | undefined),
    /** The newest run (running or finished), skipped overlaps excluded. */
    lastRun: (): RunRow | undefined => toRun(r.lastRun.get() as Row | undefined),
    /** The newest finished, non-dry full night (scheduled or a full `run`): what `--resume` resumes. */
    lastNight: (): RunRow | undefined => toRun(r.lastNight.get() as Row | undefined),
    /** Jobs that succeeded in a real run started after `started` (an ISO time as stored). */
    succeededSince: (started: string): Set<string> =>
      new Set((r.succeededSince.all(started) as { name: string }[]).map((x) => x.name)),
    /** How many of a run's jobs ended in each status (disabled jobs not counted). */
    jobCounts: (runId: string): Record<string, number> =>
      Object.fromEntries(
        (r.jobCounts.all(runId) as { status: string; n: number }[]).map((x) => [x.status, x.n]),
      ),
    listRuns: (limit: number): RunRow[] => (r.listRuns.all(limit) as Row[]).map((x) => toRun(x)!),
    jobsOfRun: (runId: string): JobRunRow[] => (r.jobsOfRun.all(runId) as Row[]).map(toJobRun),
    jobHistory: (name: string, limit: number): JobRunRow[] =>
      (r.jobHistory.all({ name, limit }) as Row[]).map(toJobRun),
    /** The newest attempt of a job in any real run. */
    lastJobRun: (name: string): JobRunRow | undefined => {
      const row = r.lastJobRun.get(name) as Row | undefined;
      return row ? toJobRun(row) : undefined;
    },
    runningJobs: (runId: string): JobRunRow[] => (r.runningJobs.all(runId) as Row[]).map(toJobRun),

    /**
     * Runs left `running` by a runner that died (SIGKILL, OOM, reboot, an evicted pod): their lease on the
     * run lock is gone (`holdsLease` says false). The run and its unfinished jobs become `cancelled`, so
     * `status` tells the truth and `--resume` reruns them. Returns their ids.
     */
    closeAbandonedRuns(holdsLease: (runId: string) => boolean, at: Date): string[] {
      const w = writable();
      const dead = (w.runningRuns.all() as { id: string; pid: number | null }[]).filter(
        (r) => !holdsLease(r.id),
      );
      db.transaction(() => {
        for (const r of dead) {
          w.abandonJobs.run(`the runner (pid ${r.pid}) died during the run: its lock is gone`, r.id);
          w.finishRun.run('cancelled', at.toISOString(), 137, r.id);
        }
      }).immediate();
      return dead.map((r) => r.id);
    },

    /** The runner is exiting at once (a second signal): unfinished jobs and the run become `cancelled`. */
    interruptRun(id: string, at: Date, message: string): void {
      const w = writable();
      db.transaction(() => {
        w.abandonJobs.run(message, id);
        w.finishRun.run('cancelled', at.toISOString(), 130, id);
      }).immediate();
    },

    /** Deletes runs that started before `before` (not running ones); returns their log dirs. */
    pruneRuns(before: Date): string[] {
      const w = writable();
      const old = w.oldRuns.all(before.toISOString(), 'running') as { id: string; log_dir: string | null }[];
      db.transaction(() => {
        for (const o of old) {
          w.deleteJobs.run(o.id);
          w.deleteRun.run(o.id);
        }
      }).immediate();
      return old.map((o) => o.log_dir).filter((d): d is string => !!d);
    },
  };
}

/** Sortable run id from the start time, unique enough for one host: `20261123T020000Z-1a2b`. */
export function runIdFor(at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}
