/**
 * Titles (specs/rollekatalog.md §1.3.2, REC 7): the job-function classes as `[{uuid, name}]`, compared with the
 * server's active titles as sets, posted (the full list) only when they differ and never empty. A 403 means
 * titles are disabled on the server.
 */
import type { JsonUploadClient } from '../clients/json-upload.js';
import { bodyExcerpt } from '../clients/json-upload.js';
import type { RkJobFunction } from './model.js';

export interface Title {
  uuid: string;
  name: string;
}

export type TitleSync =
  | { state: 'disabled' }
  | { state: 'empty' }
  | { state: 'unchanged' | 'posted'; uuids: Set<string>; count: number };

export function desiredTitles(jobFunctions: RkJobFunction[], field: 'user_key' | 'name'): Title[] {
  return jobFunctions
    .map((c) => ({ uuid: c.uuid, name: (field === 'name' ? c.name : c.userKey).trim() }))
    .filter((t) => t.name)
    .sort((a, b) => a.uuid.localeCompare(b.uuid));
}

export function sameTitleSet(a: Title[], b: Title[]): boolean {
  const key = (t: Title): string => `${t.uuid.toLowerCase()}\u0000${t.name}`;
  const setA = new Set(a.map(key));
  const setB = new Set(b.map(key));
  return setA.size === setB.size && [...setA].every((k) => setB.has(k));
}

/** The title API URL: the organisation URL with `organisation/v3` replaced by `title`. */
export function titleUrl(orgUrl: string): string | undefined {
  return /organisation\/v3/.test(orgUrl) ? orgUrl.replace(/organisation\/v3/, 'title') : undefined;
}

function parseTitles(json: unknown): Title[] | undefined {
  if (!Array.isArray(json)) return undefined;
  const out: Title[] = [];
  for (const t of json) {
    if (!t || typeof t !== 'object') return undefined;
    const { uuid, name } = t as { uuid?: unknown; name?: unknown };
    if (typeof uuid !== 'string' || typeof name !== 'string') return undefined;
    out.push({ uuid, name });
  }
  return out;
}

export async function syncTitles(
  client: JsonUploadClient,
  url: string,
  desired: Title[],
): Promise<TitleSync> {
  if (desired.length === 0) return { state: 'empty' };
  const got = await client.request('GET', url);
  if (got.status === 403) return { state: 'disabled' };
  if (got.status !== 200)
    throw new Error(`Rollekatalog title API answered HTTP ${got.status} to GET: ${bodyExcerpt(got.text)}`);
  const current = parseTitles(got.json);
  if (!current)
    throw new Error(`Rollekatalog title API answered GET with something other than a list of titles`);
  const uuids = new Set(desired.map((t) => t.uuid));
  if (sameTitleSet(current, desired)) return { state: 'unchanged', uuids, count: desired.length };
  const posted = await client.request('POST', url, desired);
  if (posted.status === 403) return { state: 'disabled' };
  if (posted.status < 200 || posted.status >= 300)
    throw new Error(
      `Rollekatalog title API answered HTTP ${posted.status} to POST: ${bodyExcerpt(posted.text)}`,
    );
  return { state: 'posted', uuids, count: desired.length };
}
