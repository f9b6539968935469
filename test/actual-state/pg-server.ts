/**
 * PostgreSQL for the tests: `JR_TEST_PG_URL` when set, else a throwaway cluster started with
 * scripts/pg-test-server.sh when the server binaries exist. Without either, the caller skips (locally) or
 * fails (when CI is set).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export interface PgTestDatabase {
  /** Connection settings of a fresh, empty database. */
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  url: string;
  drop(): Promise<void>;
}

let cluster: { url: string; dir: string | null } | null | undefined;

export const PG_UNAVAILABLE =
  'PostgreSQL tests need a server: set JR_TEST_PG_URL, or apt-get install postgresql (for scripts/pg-test-server.sh)';

function serverBinariesExist(): boolean {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .some((v) => fs.existsSync(path.join('/usr/lib/postgresql', v, 'bin', 'initdb')));
  } catch {
    return false;
  }
}

/** What the Postgres tests do: use the given URL, start a private cluster, skip (locally) or fail (in CI). */
export function pgPlan(
  env: Record<string, string | undefined>,
  binariesExist: boolean,
): 'url' | 'start' | 'skip' | 'fail' {
  if (env.JR_TEST_PG_URL) return 'url';
  if (binariesExist) return 'start';
  return env.CI ? 'fail' : 'skip';
}

function startCluster(): { url: string; dir: string | null } | null {
  if (cluster !== undefined) return cluster;
  const plan = pgPlan(process.env, serverBinariesExist());
  if (plan === 'url') return (cluster = { url: process.env.JR_TEST_PG_URL!, dir: null });
  if (plan !== 'start') return (cluster = null);
  const out = execFileSync('sh', [path.resolve('scripts/pg-test-server.sh'), 'start'], { encoding: 'utf8' });
  const url = /JR_TEST_PG_URL=(\S+)/.exec(out)?.[1];
  const dir = /JR_TEST_PG_DIR=(\S+)/.exec(out)?.[1];
  if (!url || !dir) throw new Error(`scripts/pg-test-server.sh printed no URL: ${out}`);
  process.on('exit', () => stopCluster());
  return (cluster = { url, dir });
}

export function stopCluster(): void {
  if (cluster?.dir) {
    execFileSync('sh', [path.resolve('scripts/pg-test-server.sh'), 'stop', cluster.dir]);
    cluster = undefined;
  }
}

/** A fresh database on the test server, or null when there is no server (see PG_UNAVAILABLE). */
export async function freshPgDatabase(): Promise<PgTestDatabase | null> {
  const c = startCluster();
  if (!c) return null;
  const base = new URL(c.url);
  const database = `jr_test_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: c.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(c.url);
  url.pathname = `/${database}`;
  return {
    host: base.hostname,
    port: Number(base.port || 5432),
    database,
    user: decodeURIComponent(base.username || 'postgres'),
    password: base.password ? decodeURIComponent(base.password) : undefined,
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: c.url });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** In a mocha `before`: a database, or skip (fail in CI) with a one-line message. */
export async function requirePg(ctx: Mocha.Context): Promise<PgTestDatabase> {
  const db = await freshPgDatabase();
  if (db) return db;
  if (pgPlan(process.env, false) === 'fail') throw new Error(PG_UNAVAILABLE);
  console.log(`    (skipped: ${PG_UNAVAILABLE})`);
  ctx.skip();
}
