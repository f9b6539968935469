/** Wires `job-runner schedule` to the operations engineer's scheduleAction with our runJobs. */
import { runJobs } from '../run-night.js';
import { type GlobalOptions, loadContext } from './context.js';
import { dipexWarnings } from '../../jobs/dipex.js';

export async function scheduleEntry(opts: GlobalOptions): Promise<number> {
  const ctx = loadContext(opts);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { scheduleAction } = await import('./schedule.js');
    return await scheduleAction({
      settings: ctx.settings,
      signal: controller.signal,
      runNight: (trigger, signal) => {
        // as at the start of `job-runner run`: DIPEX toggles whose jobs will not run tonight
        for (const w of dipexWarnings(ctx.settings, ctx.jobs)) process.stderr.write(`warning: ${w}\n`);
        return runJobs({
          settings: ctx.settings,
          jobs: ctx.jobs,
          trigger,
          signal,
          env: ctx.env,
          root: ctx.root,
          verbose: opts.verbose ?? false,
        });
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
