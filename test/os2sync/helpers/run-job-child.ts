/**
 * Runs exports_os2sync in a child process (for the "process killed mid-run" test):
 *   node --import tsx run-job-child.ts <stateDir> <settings JSON>
 * Prints `done <message>` when the job returns.
 */
import { makeJobContext } from '../../helpers/job-context.js';
import { run } from '../../../jobs/os2sync/run.js';

const [stateDir, settingsJson] = process.argv.slice(2);
const ctx = makeJobContext('exports_os2sync', JSON.parse(settingsJson!) as Record<string, unknown>, {
  stateDir,
});
const result = await run(ctx);
console.log(`done ${result.message ?? ''}`);
