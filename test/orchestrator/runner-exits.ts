/**
 * A runner that exits (process.exit, as on a second Ctrl-C) while an isolated busy-loop job runs: started by
 * isolation.test.ts with the state dir as argument. Exits as soon as the job has started writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runIsolated } from '../../orchestrator/isolation/isolated-job.js';
import { makeJobContext } from '../helpers/job-context.js';

const state = process.argv[2]!;
const ctx = makeJobContext('busy', {}, { stateDir: state });
void runIsolated(
  { module: new URL('./isolated-jobs.js', import.meta.url).href, export: 'busy' },
  ctx,
  { memoryMb: 256, killGraceMs: 60_000 },
  () => {},
).catch(() => {});
const counter = path.join(state, 'counter.txt');
const timer = setInterval(() => {
  if (fs.existsSync(counter) && fs.statSync(counter).size > 0) {
    clearInterval(timer);
    process.exit(0);
  }
}, 20);
