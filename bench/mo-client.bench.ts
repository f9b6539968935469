/**
 * MO client bench: every person of fixture L with engagements and addresses, paged through the MO emulator.
 * Compares the client (axios, auth, retry bookkeeping, paging, p-limit) with raw node:http replaying the exact
 * same request bodies on a keep-alive socket (reading and JSON-parsing each body), request by request.
 * Budget: client / raw ≤ 1.1.
 */
import http from 'node:http';
import { Settings } from '../orchestrator/settings-store.js';
import { createMoClient } from '../jobs/clients/mo.js';
import type { GqlDocument } from '../jobs/clients/gql.js';
import { startMoEmulator } from '../test/emulators/mo/index.js';
import { generateFixture } from '../test/fixtures/generate.js';

const PersonsWithDetails: GqlDocument = {
  area: 'bench',
  name: 'BenchPersons',
  source: `query BenchPersons($limit: int, $cursor: Cursor) {
  persons(limit: $limit, cursor: $cursor) {
    objects {
      uuid
      current {
        uuid
        given_name
        surname
        cpr_number
        engagements { uuid user_key org_unit_uuid job_function_uuid }
        addresses { uuid value address_type_uuid }
      }
    }
    page_info { next_cursor }
  }
}`,
};

const AUTH = { clientId: 'bench', clientSecret: 'bench-secret' };

function rawPost(agent: http.Agent, url: URL, body: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString('utf8'))
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export default async function bench(): Promise<void> {
  let t = Date.now();
  const fixture = generateFixture({ size: 'L' });
  const mo = await startMoEmulator({ fixture, auth: AUTH });
  console.log(`fixture L generated and served: ${Date.now() - t} ms`);
  const settings = new Settings({ 'mora.base': mo.url, 'mora.page_size': 500 }, 'bench');
  const env = { CLIENT_ID: AUTH.clientId, CLIENT_SECRET: AUTH.clientSecret, AUTH_SERVER: mo.authServer };
  const client = createMoClient({ settings, env });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Client pass: records the cursor of every request so the raw pass sends byte-identical bodies.
    const bodies: string[] = [];
    const clientPass = async (): Promise<{ ms: number; pages: number; persons: number }> => {
      bodies.length = 0;
      const started = performance.now();
      let persons = 0;
      let pages = 0;
      let cursor: string | null = null;
      for (;;) {
        const variables: { limit: number; cursor: string | null } = { limit: 500, cursor };
        bodies.push(JSON.stringify({ query: PersonsWithDetails.source, variables }));
        const data: { persons: { objects: unknown[]; page_info: { next_cursor: string | null } } } =
          await client.query<{ persons: { objects: unknown[]; page_info: { next_cursor: string | null } } }>(
            PersonsWithDetails,
            variables,
          );
        pages++;
        persons += data.persons.objects.length;
        cursor = data.persons.page_info.next_cursor;
        if (cursor === null) break;
      }
      return { ms: performance.now() - started, pages, persons };
    };
    const pagedPass = async (): Promise<{ ms: number; persons: number }> => {
      const started = performance.now();
      let persons = 0;
      for await (const page of client.paged(PersonsWithDetails)) persons += page.length;
      return { ms: performance.now() - started, persons };
    };
    const token = mo.issueToken(3600);
    const url = new URL(client.endpoint);

    t = Date.now();
    const warm = await clientPass(); // warm-up: JIT, emulator indexes, sockets, token; records the bodies
    console.log(`warm-up pass: ${Date.now() - t} ms, ${warm.pages} requests, ${warm.persons} persons`);

    // Pairwise and interleaved (raw, client, raw, client … per request), best of 3 rounds per request, so
    // load from other processes on the machine hits both sides alike.
    const rawBest = bodies.map(() => Infinity);
    const clientBest = bodies.map(() => Infinity);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < bodies.length; i++) {
        const body = bodies[i]!;
        let started = performance.now();
        JSON.parse(await rawPost(agent, url, body, token));
        rawBest[i] = Math.min(rawBest[i]!, performance.now() - started);
        const { variables } = JSON.parse(body) as { variables: Record<string, unknown> };
        started = performance.now();
        await client.query(PersonsWithDetails, variables);
        clientBest[i] = Math.min(clientBest[i]!, performance.now() - started);
      }
    }
    const rawMs = rawBest.reduce((a, b) => a + b, 0);
    const clientMs = clientBest.reduce((a, b) => a + b, 0);
    const paged = await pagedPass();
    if (paged.persons !== warm.persons)
      throw new Error(`paged pass returned ${paged.persons} persons, expected ${warm.persons}`);
    console.log(`persons: ${warm.persons}`);
    console.log(`requests per pass: ${warm.pages}`);
    console.log(`paged pass ms: ${paged.ms.toFixed(0)}`);
    console.log(`pages/s: ${((warm.pages * 1000) / paged.ms).toFixed(1)}`);
    console.log(`persons/s: ${((warm.persons * 1000) / paged.ms).toFixed(0)}`);
    console.log(`raw http ms (sum of best per request): ${rawMs.toFixed(0)}`);
    console.log(`client ms (sum of best per request): ${clientMs.toFixed(0)}`);
    console.log(`mo-client/raw ratio: ${(clientMs / rawMs).toFixed(3)} (budget ≤ 1.1)`);
  } finally {
    client.close();
    agent.destroy();
    await mo.stop();
  }
}

// Run directly: `npx tsx bench/mo-client.bench.ts`
if (import.meta.url === `file://${process.argv[1]}`) await bench();
