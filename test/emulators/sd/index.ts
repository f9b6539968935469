export { startTriggerEmulator } from './server.js';
export type {
  ChangedAtBehaviour,
  ChangedAtState,
  ServiceBehaviour,
  TriggerEmulator,
  TriggerEmulatorOptions,
  TriggerOutcome,
} from './server.js';
