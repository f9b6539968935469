/** `job-runner listen`: the near-real-time OS2sync daemon (docs/jobs/os2sync.md). The job side lives in jobs/os2sync/listen/. */
import fs from 'node:fs';
import v8 from 'node:v8';
import { HEAP_GROWTH_CAP } from '../isolation/isolated-job.js';
import { checkTrust } from '../settings.js';
import { type GlobalOptions, loadContext } from './context.js';

export async function listenAction(opts: GlobalOptions): Promise<number> {
  // The daemon stays resident: the job processes' heap growth cap keeps its peak predictable too. In the listen
  // bench's burst on fixture M it peaked at 170-178 MB instead of 215-233 MB, for ≈ 10 % more CPU per event.
  v8.setFlagsFromString(HEAP_GROWTH_CAP);
  const ctx = loadContext(opts);
  fs.mkdirSync(ctx.stateDir, { recursive: true, mode: 0o700 });
  checkTrust([...(fs.existsSync(ctx.settings.source) ? [ctx.settings.source] : []), ctx.stateDir]);
  const { listen } = await import('../../jobs/os2sync/listen/daemon.js');
  return listen({
    settings: ctx.settings,
    env: ctx.env,
    root: ctx.root,
    stateDir: ctx.stateDir,
    verbose: opts.verbose,
  });
}
