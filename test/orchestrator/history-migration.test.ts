import { expect } from 'chai';
import Database from 'better-sqlite3';
import path from 'node:path';
import { openHistory } from '../../orchestrator/history.js';
import { resumeSelection } from '../../orchestrator/run-night.js';
import { makeTempDir } from '../helpers/job-context.js';

/** The runs table as versions before the `kind` column wrote it. */
const oldSchema = `
CREATE TABLE runs (id TEXT PRIMARY KEY, trigger TEXT NOT NULL, status TEXT NOT NULL, started TEXT NOT NULL,
  finished TEXT, exit_code INTEGER, pid INTEGER, log_dir TEXT, dry_run INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_started ON runs(started);
CREATE TABLE job_runs (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  stage TEXT NOT NULL, status TEXT NOT NULL, started TEXT, finished TEXT, duration_ms INTEGER, message TEXT,
  log_path TEXT, counters TEXT, seq INTEGER NOT NULL, PRIMARY KEY (run_id, name));
CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, started_at TEXT NOT NULL,
  next_run_at TEXT, at TEXT NOT NULL);
`;

function oldHistoryFile(): string {
  const file = path.join(makeTempDir('jr-hist-'), 'history.sqlite');
  const db = new Database(file);
  db.exec(oldSchema);
  const run = db.prepare(
    'INSERT INTO runs (id, trigger, status, started, finished, exit_code, pid) VALUES (?, ?, ?, ?, ?, ?, 1)',
  );
  const job = db.prepare('INSERT INTO job_runs (run_id, name, stage, status, seq) VALUES (?, ?, ?, ?, ?)');
  // a scheduled night where b failed and c was skipped
  run.run('n1', 'schedule', 'failed', '2026-11-30T01:00:00.000Z', '2026-11-30T01:10:00.000Z', 1);
  job.run('n1', 'a', 'prepare', 'succeeded', 0);
  job.run('n1', 'b', 'prepare', 'failed', 1);
  job.run('n1', 'c', 'export', 'skipped', 2);
  // a full `run` from the shell: it recorded the disabled jobs, so it was a night
  run.run('n2', 'cli', 'failed', '2026-11-30T08:00:00.000Z', '2026-11-30T08:05:00.000Z', 1);
  job.run('n2', 'a', 'prepare', 'succeeded', 0);
  job.run('n2', 'b', 'prepare', 'failed', 1);
  job.run('n2', 'c', 'export', 'skipped', 2);
  job.run('n2', 'z', 'report', 'disabled', 3);
  // then the operator reran b alone, successfully
  run.run('j1', 'cli', 'succeeded', '2026-11-30T09:00:00.000Z', '2026-11-30T09:01:00.000Z', 0);
  job.run('j1', 'b', 'prepare', 'succeeded', 0);
  db.close();
  return file;
}

describe('history file of an older version', () => {
  it('is migrated in place: every run gets the kind it had, and resume finds the night', () => {
    const file = oldHistoryFile();
    const h = openHistory(file);
    try {
      const runs = h.listRuns(10);
      expect(runs.map((r) => [r.id, r.kind])).to.deep.equal([
        ['j1', 'jobs'],
        ['n2', 'night'],
        ['n1', 'night'],
      ]);
      expect(h.jobCounts('n2')).to.deep.equal({ succeeded: 1, failed: 1, skipped: 1 });
      const r = resumeSelection(h);
      expect(r.night?.id).to.equal('n2');
      expect(r.jobs).to.deep.equal(['c']);
      expect(r.doneSince).to.deep.equal(['b']);
      // new rows carry their kind
      h.startRun({
        id: 'r1',
        trigger: 'resume',
        kind: 'resume',
        resumes: 'n2',
        startedAt: new Date('2026-11-30T10:00:00Z'),
        pid: 1,
        logDir: '/tmp/x',
      });
      expect(h.getRun('r1')).to.include({ kind: 'resume', resumes: 'n2' });
    } finally {
      h.close();
    }
    // opening it again does not migrate twice
    const again = openHistory(file);
    expect(again.listRuns(10)).to.have.length(4);
    again.close();
    const db = new Database(file, { readonly: true });
    const columns = (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
    db.close();
    expect(columns).to.include.members(['kind', 'selection', 'resumes']);
  });
});
