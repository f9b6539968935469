/**
 * Test harness for the OS2sync export: the MO emulator (fixture S unless told), the OS2sync emulator, and a
 * JobContext with settings pointing at both. `runJob()` runs exports_os2sync in-process.
 */
import path from 'node:path';
import { startMoEmulator, type MoEmulator } from '../../emulators/mo/index.js';
import { startOs2syncEmulator, type Os2syncEmulator } from '../../emulators/os2sync/index.js';
import { makeJobContext, makeTempDir, type TestJobContext } from '../../helpers/job-context.js';
import type { Fixture } from '../../fixtures/types.js';
import type { JobResult } from '../../../orchestrator/job.js';

export const CVR = '29189846';

export interface Harness {
  mo: MoEmulator;
  os2sync: Os2syncEmulator;
  fixture: Fixture;
  stateDir: string;
  /** A new empty state dir (so no hash cache), an empty FK and request log, no faults. */
  fresh(): void;
  /** Path of the hash cache in the current state dir. */
  cacheFile(): string;
  settings(extra?: Record<string, unknown>): Record<string, unknown>;
  context(extra?: Record<string, unknown>, opts?: Parameters<typeof makeJobContext>[2]): TestJobContext;
  runJob(
    extra?: Record<string, unknown>,
    opts?: Parameters<typeof makeJobContext>[2],
  ): Promise<{ result: JobResult; ctx: TestJobContext }>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { fixture?: Fixture; stateDir?: string } = {}): Promise<Harness> {
  const mo = await startMoEmulator(opts.fixture ? { fixture: opts.fixture } : { size: 'S', seed: 7 });
  const os2sync = await startOs2syncEmulator();
  const stateDir = opts.stateDir ?? makeTempDir('os2sync-test-');
  const base = (): Record<string, unknown> => ({
    'crontab.RUN_OS2SYNC': true,
    'mora.base': mo.url,
    'mora.retry.max_attempts': 2,
    'mora.retry.base_delay': '10ms',
    'municipality.cvr': CVR,
    'os2sync.api_url': os2sync.url,
    'os2sync.top_unit_uuid': mo.fixture.landmarks.rootUnit,
    'os2sync.retry.max_attempts': 2,
    'os2sync.retry.base_delay': '10ms',
    'os2sync.hierarchy_poll_interval': '10ms',
    'os2sync.hierarchy_timeout': '5s',
  });
  const h: Harness = {
    mo,
    os2sync,
    fixture: mo.fixture,
    stateDir,
    fresh() {
      h.stateDir = makeTempDir('os2sync-test-');
      os2sync.reset();
      mo.reset();
    },
    cacheFile: () => path.join(h.stateDir, 'cache', 'os2sync_hash_cache.json'),
    settings: (extra = {}) => ({ ...base(), ...extra }),
    context: (extra = {}, ctxOpts = {}) =>
      makeJobContext('exports_os2sync', h.settings(extra), { stateDir: h.stateDir, ...ctxOpts }),
    async runJob(extra = {}, ctxOpts = {}) {
      const ctx = h.context(extra, ctxOpts);
      const { run } = await import('../../../jobs/os2sync/run.js');
      const result = await run(ctx);
      return { result, ctx };
    },
    async stop() {
      await mo.stop();
      await os2sync.stop();
    },
  };
  return h;
}
