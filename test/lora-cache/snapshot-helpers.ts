/** Shared by the snapshot tests: fixture S behind the MO emulator, row counts and contents of snapshot files. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import type { Fixture } from '../fixtures/types.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { snapshotTables, quoteIdent } from '../../jobs/lora-cache/schema.js';
import type { SnapshotMode } from '../../jobs/lora-cache/paths.js';
import type { WriterSetup } from '../../jobs/lora-cache/writer-messages.js';
import type { SnapshotMetadata } from '../../jobs/lora-cache/writer.js';

export interface EmulatorS {
  readonly mo: MoEmulator;
  readonly fx: Fixture;
  /** A snapshot job context against the emulator; cleaned up after the describe block. */
  context(settings?: Record<string, unknown>, stateDir?: string): TestJobContext;
}

/** Call inside a describe block: serves fixture S before its tests, stops it and removes contexts after. */
export function withEmulatorS(): EmulatorS {
  const contexts: TestJobContext[] = [];
  let mo: MoEmulator | undefined;
  const env: EmulatorS = {
    get mo() {
      if (!mo) throw new Error('the emulator starts in a before hook');
      return mo;
    },
    get fx() {
      return env.mo.fixture;
    },
    context(settings = {}, stateDir) {
      const ctx = makeJobContext(
        'exports_cache_loracache',
        { 'mora.base': env.mo.url, ...settings },
        { stateDir },
      );
      contexts.push(ctx);
      return ctx;
    },
  };
  before(async () => {
    mo = await startMoEmulator({ size: 'S' });
  });
  after(async () => {
    for (const c of contexts.splice(0)) c.cleanup();
    await mo?.stop();
  });
  return env;
}

export function counts(file: string, mode: SnapshotMode): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(
      snapshotTables(mode).map((t) => [
        t.name,
        (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

/** Every table's rows without `id`, sorted: ids follow arrival order, which concurrency may change. */
export function contentsWithoutIds(file: string, mode: SnapshotMode = 'actual'): Record<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(
      snapshotTables(mode).map((t) => {
        const cols = t.columns.filter((c) => c.name !== 'id').map((c) => quoteIdent(c.name));
        const rows = db
          .prepare(`SELECT ${cols.join(', ')} FROM ${quoteIdent(t.name)}`)
          .raw(true)
          .all();
        return [t.name, rows.map((r) => JSON.stringify(r)).sort()];
      }),
    );
  } finally {
    db.close();
  }
}

export const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The writer's setup for an actual-mode snapshot in `dir`, for tests that drive the writer themselves (no MO). */
export function actualWriterSetup(dir: string): WriterSetup {
  return {
    mode: 'actual',
    target: path.join(dir, 'actual_state.db'),
    today: '2026-12-01',
    exportCpr: true,
    resolveDar: true,
    primaryManagerResponsibility: null,
  };
}

/** The metadata of a build on that setup. */
export function testSnapshotMeta(): SnapshotMetadata {
  return {
    mode: 'actual',
    moUrl: 'http://127.0.0.1:1',
    graphqlVersion: '29',
    exportCpr: true,
    primaryManagerResponsibility: null,
    buildStarted: new Date(),
    kvittering: { queryTid: 'x', startLeveringTid: 'y', slutLeveringTid: 'z' },
  };
}
