/**
 * The MO client, loaded when a job really reads MO. axios and the client cost each job's process about 0.3 s of
 * CPU to load, which the jobs that read this night's snapshot instead never need.
 */
import type { MoClient, MoClientOptions } from './mo.js';

export async function connectMo(opts: MoClientOptions): Promise<MoClient> {
  const { createMoClient } = await import('./mo.js');
  return createMoClient(opts);
}
