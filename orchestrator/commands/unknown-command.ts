/** `job-runner NAME` with no command: DIPEX operators ran `job-runner.sh JOB`; a job name gets the `run` hint. */
import { UsageError } from '../errors.js';
import type { JobDefinition } from '../job.js';
import { builtinJobs } from '../../jobs/registry.js';
import { resolveDipexName } from '../../jobs/dipex.js';
import { stageAliases } from '../plan.js';
import { type GlobalOptions, loadContext } from './context.js';

function knownJobs(opts: GlobalOptions): readonly JobDefinition[] {
  try {
    return loadContext(opts).jobs;
  } catch {
    return builtinJobs; // no usable settings: the catalogue and DIPEX's names still get the hint
  }
}

export async function unknownCommandAction(name: string, opts: GlobalOptions): Promise<number> {
  const jobs = knownJobs(opts);
  if (stageAliases[name] || jobs.some((j) => j.name === name)) {
    throw new UsageError(`unknown command "${name}"; to run that job: job-runner run ${name}`);
  }
  const dipex = resolveDipexName(name, jobs);
  if (dipex.kind === 'counterpart') {
    throw new UsageError(
      `unknown command "${name}"; ${dipex.note.replace('running', 'run')}: job-runner run ${dipex.name}`,
    );
  }
  if (dipex.kind === 'none') throw new UsageError(`unknown command "${name}": ${dipex.message}`);
  throw new UsageError(`unknown command "${name}" (see job-runner --help)`);
}
