/**
 * Whether a cron expression is one `job-runner schedule` accepts: node-cron's own validation, so `check`,
 * `run` and the daemon agree. node-cron is required on first use only, keeping `list` and `status` fast.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What is wrong with the expression, or undefined when node-cron accepts it. */
export function cronSyntaxError(expression: string): string | undefined {
  const cron = require('node-cron') as typeof import('node-cron');
  const detailed = cron.validateDetailed(expression);
  if (detailed.valid && detailed.fields) return undefined;
  const first = detailed.errors[0];
  return `invalid cron expression "${expression}"${first ? `: ${first.field} ${first.message}` : ''}`;
}
