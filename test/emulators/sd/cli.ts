/**
 * Runs the SD / SDTool+ / manager-sync trigger emulator until SIGINT/SIGTERM:
 *   npx tsx test/emulators/sd/cli.ts [--sdtool-port N] [--changed-at-port N] [--manager-sync-port N]
 *        [--outcome ok|failure|http500|hang|stale_ok] [--run-time MS] [--start-delay MS]
 *        [--previous-state ok|running|failure|unknown] [--no-timestamps] [--block-metrics]
 * The outcome and run time apply to all three services. Prints the `imports.*` settings once listening.
 */
import { parseArgs } from 'node:util';
import { startTriggerEmulator, type ChangedAtState, type TriggerOutcome } from './server.js';

const { values } = parseArgs({
  options: {
    'sdtool-port': { type: 'string', default: '0' },
    'changed-at-port': { type: 'string', default: '0' },
    'manager-sync-port': { type: 'string', default: '0' },
    outcome: { type: 'string', default: 'ok' },
    'run-time': { type: 'string', default: '2000' },
    'start-delay': { type: 'string', default: '500' },
    'previous-state': { type: 'string', default: 'ok' },
    'no-timestamps': { type: 'boolean', default: false },
    'block-metrics': { type: 'boolean', default: false },
  },
});
const outcomes = ['ok', 'failure', 'http500', 'hang', 'stale_ok'];
if (!outcomes.includes(values.outcome)) {
  console.error(`--outcome must be one of ${outcomes.join(', ')}`);
  process.exit(2);
}
const behaviour = { outcome: values.outcome as TriggerOutcome, runTimeMs: Number(values['run-time']) };
const emulator = await startTriggerEmulator({
  ports: {
    sdtoolPlus: Number(values['sdtool-port']),
    sdChangedAt: Number(values['changed-at-port']),
    managerSync: Number(values['manager-sync-port']),
  },
  sdtoolPlus: behaviour,
  managerSync: behaviour,
  sdChangedAt: {
    ...behaviour,
    startDelayMs: Number(values['start-delay']),
    previousState: values['previous-state'] as ChangedAtState,
    timestamps: !values['no-timestamps'],
    metricsBlockedWhileRunning: values['block-metrics'],
  },
});
for (const [key, value] of Object.entries(emulator.settings())) console.log(`${key}: ${value}`);

const stop = async (): Promise<void> => {
  await emulator.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
