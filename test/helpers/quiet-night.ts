/** `runJobs` as the CLI calls it, minus the console: by default the settings' command jobs, no environment. */
import { commandJobs } from '../../jobs/command.js';
import { runJobs, type RunJobsOptions } from '../../orchestrator/run-night.js';
import type { Settings } from '../../orchestrator/settings-store.js';

export function quietNight(settings: Settings, opts: Partial<RunJobsOptions> & { root: string }) {
  return runJobs({
    settings,
    jobs: commandJobs(settings),
    trigger: 'cli',
    env: {},
    console: false,
    ...opts,
  });
}
