/** Acknowledging events in MO: several in one request (aliased `event_acknowledge` fields). */
import type { MoClient } from '../../clients/mo.js';
import { ACK_BATCH_MAX, ackMutations } from './queries.js';

/** Acknowledges up to ACK_BATCH_MAX events in one request. MO answers `true` even for a stale token. */
export async function ackEvents(client: MoClient, tokens: string[]): Promise<void> {
  if (tokens.length === 0) return;
  if (tokens.length > ACK_BATCH_MAX)
    throw new Error(`at most ${ACK_BATCH_MAX} events per acknowledgement, got ${tokens.length}`);
  await client.query(
    ackMutations[tokens.length - 1]!,
    Object.fromEntries(tokens.map((t, k) => [`t${k}`, t])),
  );
}
