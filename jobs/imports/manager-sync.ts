/**
 * imports_manager_sync: POST the manager sync's trigger and wait for its synchronous answer (specs/imports.md
 * §6.5). Unlike DIPEX, an HTTP error or a connection failure fails the job.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { callService, safeUrl } from './trigger.js';
import { managerSyncTimeout, managerSyncUrl } from './settings.js';

export async function run(ctx: JobContext): Promise<JobResult> {
  const url = ctx.settings.value(managerSyncUrl);
  if (ctx.dryRun) return { message: `dry run: would POST ${safeUrl(url)}` };
  ctx.logger.info(`POST ${safeUrl(url)}`);
  const res = await callService(ctx, 'POST', url, ctx.settings.value(managerSyncTimeout));
  const message = `manager sync answered HTTP ${res.status}`;
  ctx.logger.info(message);
  return { message };
}
