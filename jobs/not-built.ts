/** Placeholder implementation for a catalogue job whose issue has not landed yet. Removed as jobs land. */
import type { JobContext, JobResult } from '../orchestrator/job.js';

export function notBuilt(name: string) {
  return async () => ({
    async run(_ctx: JobContext): Promise<JobResult> {
      throw new Error(`${name} is not implemented in this version`);
    },
  });
}
