/** The one "unknown job" error of the commands that take a job name (logs, history): closest names named. */
import type { JobDefinition } from '../job.js';
import { closestNames } from '../plan.js';
import { UsageError } from '../errors.js';

export function unknownJobError(name: string, jobs: readonly JobDefinition[]): UsageError {
  const near = closestNames(
    name,
    jobs.map((j) => j.name),
  );
  return new UsageError(
    `unknown job "${name}"${near.length ? `; closest: ${near.join(', ')}` : ''} (see job-runner list)`,
  );
}
