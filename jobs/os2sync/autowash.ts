/**
 * Autowash (spec §2.9, decision 1): read OS2sync's asynchronous FK hierarchy and list every FK unit and user
 * this run does not produce. The read is started before MO is read and fetched after the upserts.
 */
import { sleep } from '../clients/http.js';
import { prop, type Os2syncClient } from '../clients/os2sync.js';

/** FK could not be read: no autowash deletes, the job fails. The message starts "FK unreachable" (docs promise it). */
export class FkUnreachableError extends Error {
  constructor(message: string) {
    super(`FK unreachable: ${message}`);
    this.name = 'FkUnreachableError';
  }
}

export interface FkHierarchy {
  units: string[];
  users: string[];
}

export async function startHierarchyRead(client: Os2syncClient): Promise<string> {
  const res = await client.request('GET', '/hierarchy');
  if (res.status !== 200) throw new FkUnreachableError(`GET /hierarchy answered HTTP ${res.status}`);
  const id = String(typeof res.body === 'string' ? res.body : res.text)
    .trim()
    .replace(/^"|"$/g, '');
  if (!/^[\w-]+$/.test(id)) throw new FkUnreachableError('GET /hierarchy did not answer a request id');
  return id;
}

export async function fetchHierarchy(
  client: Os2syncClient,
  id: string,
  opts: { pollMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<FkHierarchy> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const res = await client.request('GET', `/hierarchy/${id}`);
    if (res.status === 200) {
      const status = prop(res.body, 'Status');
      const result = prop(res.body, 'Result');
      if (status !== 0 || !result || typeof result !== 'object') {
        throw new FkUnreachableError(
          'OS2sync could not read FK Organisation (hierarchy Status 1, Result null)',
        );
      }
      const uuids = (list: unknown): string[] =>
        Array.isArray(list)
          ? list.map((x) => String(prop(x, 'Uuid') ?? '').toLowerCase()).filter((u) => u !== '')
          : [];
      return { units: uuids(prop(result, 'OUs')), users: uuids(prop(result, 'Users')) };
    }
    if (res.status !== 404) throw new FkUnreachableError(`GET /hierarchy/${id} answered HTTP ${res.status}`);
    if (Date.now() + opts.pollMs > deadline) {
      throw new FkUnreachableError(
        `the FK hierarchy was not ready within ${Math.round(opts.timeoutMs / 1000)}s`,
      );
    }
    await sleep(opts.pollMs, opts.signal);
  }
}
