/** imports_sdtool_plus: POST the SDTool+ trigger and wait for its synchronous answer (specs/imports.md §6.2). */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { callService, safeUrl } from './trigger.js';
import { sdtoolPlusTimeout, sdtoolPlusUrl } from './settings.js';

export async function run(ctx: JobContext): Promise<JobResult> {
  const base = ctx.settings.value(sdtoolPlusUrl);
  // SDTool+ has a dry-run endpoint beside the trigger: it computes the operations without applying them.
  const url = ctx.dryRun ? `${base.replace(/\/+$/, '')}/dry` : base;
  ctx.logger.info(`POST ${safeUrl(url)}`);
  const res = await callService(ctx, 'POST', url, ctx.settings.value(sdtoolPlusTimeout));
  const operations = countOperations(res.body);
  const what = operations === undefined ? '' : `; ${operations} operation${operations === 1 ? '' : 's'}`;
  const message = `SDTool+ ${ctx.dryRun ? 'dry run ' : ''}answered HTTP ${res.status}${what}`;
  ctx.logger.info(message);
  return { message, counters: operations === undefined ? {} : { operations } };
}

function countOperations(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return Array.isArray(parsed) ? parsed.length : undefined;
  } catch {
    return undefined;
  }
}
