/** syncPayloads directly: checkpoints while sending, and deletes of units removed since last run go children first. */
import winston from 'winston';
import { expect } from 'chai';
import { buildPayloads } from '../../jobs/os2sync/build.js';
import { HashCache } from '../../jobs/os2sync/hash-cache.js';
import { syncPayloads } from '../../jobs/os2sync/sync.js';
import { createOs2syncClient } from '../../jobs/clients/os2sync.js';
import { startOs2syncEmulator, type Os2syncEmulator } from '../emulators/os2sync/index.js';
import { config, engagement, model, person, TOP, u, unit } from './helpers/model.js';

const logger = winston.createLogger({ silent: true });

describe('os2sync sending', () => {
  let emu: Os2syncEmulator;
  before(async () => {
    emu = await startOs2syncEmulator();
  });
  after(() => emu.stop());
  beforeEach(() => emu.reset());

  const client = () =>
    createOs2syncClient({
      baseUrl: emu.url,
      cvr: '12345678',
      timeoutMs: 2000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxTimeMs: 10 },
    });

  /** Twelve new persons sent to a fast OS2sync, checkpointing every 5 sends but not sooner than `minMs`. */
  async function sendTwelve(minMs: number) {
    const persons = Array.from({ length: 12 }, (_, i) =>
      person(i + 1, { engagements: [engagement(i + 1, TOP, 'X')] }),
    );
    const built = buildPayloads(model([unit(TOP, null)], persons), config(), new Map());
    let checkpoints = 0;
    const cache = new HashCache('/nonexistent', new Map());
    const out = await syncPayloads(built, {
      cache,
      client: client(),
      logger,
      verbose: false,
      checkpoint: () => checkpoints++,
      checkpointEvery: 5,
      checkpointMinMs: minMs,
    });
    return { out, cache, checkpoints };
  }

  it('persists the cache every N successful sends', async () => {
    const { out, cache, checkpoints } = await sendTwelve(0);
    expect(out.counters.users_upserted).to.equal(12);
    expect(checkpoints).to.equal(2);
    expect(cache.size).to.equal(13);
  });

  it('checkpoints no more often than checkpointMinMs, however fast OS2sync answers', async () => {
    const { out, checkpoints } = await sendTwelve(60_000);
    expect(out.counters.users_upserted).to.equal(12);
    expect(checkpoints).to.equal(0);
  });

  it('removes units exported earlier bottom-up by the parents recorded in the cache, never the top', async () => {
    const [a, b, c, d] = [u(2, 'a'), u(3, 'a'), u(4, 'a'), u(5, 'a')];
    const cache = new HashCache('/nonexistent', new Map());
    cache.record(`/orgUnit/${TOP}`, { x: 0 }, 'upsert', null);
    cache.record(`/orgUnit/${a}`, { x: 1 }, 'upsert', TOP);
    cache.record(`/orgUnit/${b}`, { x: 2 }, 'upsert', a);
    cache.record(`/orgUnit/${c}`, { x: 3 }, 'upsert', b);
    cache.record(`/orgUnit/${d}`, { x: 4 }, 'upsert', a);
    const built = buildPayloads(model([unit(TOP, null)], [person(1)]), config(), new Map());
    await syncPayloads(built, { cache, client: client(), logger, verbose: false });
    expect(emu.mutations().filter((m) => m.startsWith('DELETE /api/orgUnit'))).to.deep.equal([
      `DELETE /api/orgUnit/${c}`,
      `DELETE /api/orgUnit/${d}`,
      `DELETE /api/orgUnit/${b}`,
      `DELETE /api/orgUnit/${a}`,
    ]);
    expect(cache.get(`/orgUnit/${a}`)!.op).to.equal('delete');
  });
});
