/**
 * `uses`: optional prerequisites. Planned first when enabled (order only), never a reason to skip; the job learns
 * from ctx.succeededThisRun whether they succeeded in this run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildPlan } from '../../orchestrator/plan.js';
import type { JobDefinition } from '../../orchestrator/job.js';
import { quietNight } from '../helpers/quiet-night.js';
import { makeTempDir } from '../helpers/job-context.js';
import { fakeJob, settingsOf } from './fake-jobs.js';

function user(seen: string[][]): JobDefinition {
  return {
    ...fakeJob('reader', 'export', { run: async (ctx) => void seen.push([...ctx.succeededThisRun]) }),
    uses: () => ['builder', 'unknown_job'],
  };
}

describe('optional prerequisites (uses)', () => {
  it('an enabled used job is an order-only edge; a disabled or unknown one is no edge and no problem', () => {
    const jobs = [fakeJob('builder', 'prepare'), user([])];
    const on = buildPlan(jobs, settingsOf({ 'crontab.RUN_BUILDER': true, 'crontab.RUN_READER': true }));
    const reader = on.nodes.find((n) => n.name === 'reader')!;
    expect(reader.after).to.deep.equal(['builder']);
    expect(reader.needs).to.deep.equal([]);
    const off = buildPlan(jobs, settingsOf({ 'crontab.RUN_READER': true }));
    expect(off.nodes.map((n) => [n.name, n.after])).to.deep.equal([['reader', []]]);
  });

  it('runs after the used job and sees whether it succeeded; a failed used job does not skip it', async () => {
    for (const builderFails of [false, true]) {
      const dir = makeTempDir();
      fs.chmodSync(dir, 0o700);
      const seen: string[][] = [];
      const jobs = [
        fakeJob('builder', 'prepare', {
          run: async () => {
            await new Promise((r) => setTimeout(r, 50));
            if (builderFails) throw new Error('no snapshot tonight');
          },
        }),
        fakeJob('other', 'prepare'),
        user(seen),
      ];
      const settings = settingsOf({
        'runner.state_dir': path.join(dir, 'var'),
        'crontab.RUN_BUILDER': true,
        'crontab.RUN_OTHER': true,
        'crontab.RUN_READER': true,
      });
      const summary = await quietNight(settings, { root: dir, jobs });
      const status = Object.fromEntries(summary.jobs.map((j) => [j.name, j.status]));
      expect(status.reader).to.equal('succeeded');
      expect(status.builder).to.equal(builderFails ? 'failed' : 'succeeded');
      expect(seen).to.have.length(1);
      expect(seen[0]!.includes('builder')).to.equal(!builderFails);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
