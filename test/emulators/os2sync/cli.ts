/**
 * Runs the OS2sync emulator until SIGINT/SIGTERM:
 *   npx tsx test/emulators/os2sync/cli.ts [--port N] [--cvr CVR] [--api-key KEY] [--latency MS]
 * Prints `os2sync.api_url: <url>` once listening.
 */
import { startOs2syncEmulator } from './server.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = option('port');
const latency = option('latency');
const emulator = await startOs2syncEmulator({
  port: port ? Number(port) : 0,
  cvr: option('cvr'),
  apiKey: option('api-key'),
  faults: latency ? { latencyMs: Number(latency) } : {},
});
console.log(`os2sync.api_url: ${emulator.url}`);

const stop = async (): Promise<void> => {
  const s = emulator.state;
  console.log(
    `stopping; FK holds ${s.orgUnits.size} units and ${s.users.size} users; ${emulator.requests.length} requests served`,
  );
  await emulator.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
