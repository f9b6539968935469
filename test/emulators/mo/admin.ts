import type http from 'node:http';
import { mutatePersons } from '../../fixtures/mutate.js';
import type { MoFaults } from './faults.js';
import { readBody } from './read-body.js';
import type { MoServer } from './server.js';

/**
 * Control endpoints for an emulator in another process (see process.ts): GET /_emulator/counters,
 * GET /_emulator/log, GET /_emulator/uploads/{name}, POST /_emulator/faults (JSON MoFaults), POST /_emulator/reset,
 * POST /_emulator/mutate-persons ({fraction, seed}: mutatePersons, then reset; answers {changed: uuids}).
 */
export async function handleAdmin(
  server: MoServer,
  pathname: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const send = (status: number, value: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.method === 'GET' && pathname === '/_emulator/counters') return send(200, server.counters);
  if (req.method === 'GET' && pathname === '/_emulator/log') return send(200, server.requestLog);
  const upload = pathname.match(/^\/_emulator\/uploads\/(.+)$/);
  if (req.method === 'GET' && upload) {
    const file = server.uploads.get(decodeURIComponent(upload[1] as string));
    if (!file) return send(404, { detail: 'no such upload' });
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(file);
    return;
  }
  if (req.method === 'POST' && pathname === '/_emulator/reset') {
    server.reset();
    return send(200, { ok: true });
  }
  if (req.method === 'POST' && pathname === '/_emulator/mutate-persons') {
    const { fraction, seed } = JSON.parse(body || '{}') as { fraction?: number; seed?: number };
    if (typeof fraction !== 'number' || fraction < 0 || fraction > 1)
      return send(400, { detail: 'fraction must be a number in [0, 1]' });
    const changed = mutatePersons(server.options.fixture, fraction, seed ?? 1);
    server.reset();
    return send(200, { changed });
  }
  if (req.method === 'POST' && pathname === '/_emulator/faults') {
    try {
      server.options.faults = JSON.parse(body || '{}') as MoFaults;
    } catch {
      return send(400, { detail: 'faults must be JSON' });
    }
    return send(200, { ok: true });
  }
  send(404, { detail: 'Not Found' });
}
