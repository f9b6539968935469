/** Leases as another process left them: what lease.ts must judge (live, dead, reused PID, other host, expired). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootId, pidStartTicks, type LeaseHolder } from '../../orchestrator/lease.js';

/**
 * Writes `{lock}/holder.json` as a holder on this host and boot would: by default this test process (live),
 * heartbeat a second ago, expiring in 10 minutes; `holder` overrides any field.
 */
export function writeLease(lock: string, holder: Partial<LeaseHolder>): void {
  fs.mkdirSync(lock, { recursive: true });
  const now = Date.now();
  fs.writeFileSync(
    path.join(lock, 'holder.json'),
    JSON.stringify({
      host: os.hostname(),
      bootId: bootId(),
      pid: process.pid,
      pidStart: pidStartTicks(process.pid),
      processStartedAt: '2026-11-30T01:00:00.000Z',
      runId: 'old-run',
      token: 'feedface',
      acquiredAt: new Date(now - 60_000).toISOString(),
      heartbeatAt: new Date(now - 1000).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
      ...holder,
    }),
  );
}

/** PID 1 exists, but with another start time it is "a reused PID": the process that held the lease is gone. */
export const reusedPid1 = (): Partial<LeaseHolder> => ({
  pid: 1,
  pidStart: String(Number(pidStartTicks(1)) + 1),
});
