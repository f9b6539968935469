/** Where each snapshot lives (specs/lora-cache.md decisions). Shared by the builder and the reader. */
import path from 'node:path';
import { z } from 'zod';
import type { JobPaths } from '../../orchestrator/job.js';
import { setting } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';

export type SnapshotMode = 'actual' | 'historic' | 'historic_skip_past';

export const SNAPSHOT_MODES: readonly SnapshotMode[] = ['actual', 'historic', 'historic_skip_past'];

/** The job that builds each snapshot (named in "run X first" messages). */
export const SNAPSHOT_JOB: Record<SnapshotMode, string> = {
  actual: 'exports_cache_loracache',
  historic: 'exports_historic_cache_loracache',
  historic_skip_past: 'exports_historic_skip_past_cache_loracache',
};

export const actualDbNameSetting = setting<string>({
  key: 'lc-for-jobs.actual_db_name',
  schema: z.string().min(1),
  type: 'string',
  description:
    "When set, the actual-state snapshot is written to `<value>.db` (relative to the installation root) instead of `{runner.state_dir}/cache/actual_state.db`, as DIPEX's lc-for-jobs database.",
});

/** Absolute path of the snapshot file for a mode. */
export function snapshotPath(settings: Settings, paths: JobPaths, mode: SnapshotMode): string {
  if (mode === 'actual') {
    const name = settings.value(actualDbNameSetting);
    if (name) return path.resolve(paths.root, `${name}.db`);
    return path.join(paths.cache, 'actual_state.db');
  }
  return path.join(paths.cache, mode === 'historic' ? 'historic.db' : 'historic_skip_past.db');
}
