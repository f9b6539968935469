/** Job names as Argo task names (specs/hosting.md §4.7): `_` → `-`, the task pattern, ≤ 63 characters, no collisions. */
import { SettingsProblemsError, type Problem } from '../errors.js';

const TASK = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function taskName(job: string): string {
  return job.replaceAll('_', '-').toLowerCase();
}

/** Task name per job; throws SettingsProblemsError (exit 2) naming each job whose name cannot be a task name. */
export function taskNames(jobs: readonly string[], reserved: readonly string[] = []): Map<string, string> {
  const problems: Problem[] = [];
  const byTask = new Map<string, string>(reserved.map((r) => [r, `(the runner's own task ${r})`]));
  const out = new Map<string, string>();
  for (const job of jobs) {
    const t = taskName(job);
    const key = `runner.jobs.${job}`;
    if (t.length > 63)
      problems.push({ key, message: `job name is ${t.length} characters; Kubernetes allows 63` });
    else if (!TASK.test(t))
      problems.push({
        key,
        message: `job name "${job}" cannot be a task name (letters, digits, - and _ only)`,
      });
    else if (byTask.has(t))
      problems.push({ key, message: `job name "${job}" collides with ${byTask.get(t)} as task "${t}"` });
    byTask.set(t, job);
    out.set(job, t);
  }
  if (problems.length) throw new SettingsProblemsError(problems);
  return out;
}
