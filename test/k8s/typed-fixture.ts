/**
 * Compile-time proof (A7): the renderer builds typed object literals, so a misspelled field fails
 * `npm run typecheck`. If the types stopped catching it, the directive below would itself be an error.
 */
import type { ICronWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/CronWorkflow';

export const misspelled: ICronWorkflow['spec'] = {
  schedules: ['0 2 * * *'],
  // @ts-expect-error `concurrencyPolcy` is not a field of a CronWorkflow spec
  concurrencyPolcy: 'Forbid',
  workflowSpec: {},
};
