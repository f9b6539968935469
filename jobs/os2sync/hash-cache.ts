/**
 * The hash cache (spec §3.3, decisions 5, 6, 8): per key (`/orgUnit/{uuid}`, `/user/{uuid}`) the SHA-256 of
 * the last payload successfully sent with its operation. Entries change only after success; the file is
 * written atomically (temp file + rename, mode 0600) after every run, also failed ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JobSettingsError } from '../../orchestrator/job.js';
import { writeFileAtomic } from '../../orchestrator/atomic-write.js';
import { payloadHash, type Operation } from './canonical.js';

export const CACHE_VERSION = 1;

export interface CacheEntry {
  op: Operation;
  hash: string;
  /** Units only: the ParentOrgUnitUuid last sent, so removals can go bottom-up. */
  parent?: string | null;
}

export class HashCache {
  private dirty = false;
  constructor(
    readonly file: string,
    private readonly entries: Map<string, CacheEntry>,
  ) {}

  static key(kind: 'orgUnit' | 'user', uuid: string): string {
    return `/${kind}/${uuid}`;
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** True when the last successful send of this key had exactly this payload and operation. */
  unchanged(key: string, payload: unknown, op: Operation): boolean {
    return this.entries.get(key)?.hash === payloadHash(payload, op);
  }

  record(key: string, payload: unknown, op: Operation, parent?: string | null): void {
    const entry: CacheEntry = { op, hash: payloadHash(payload, op) };
    if (parent !== undefined) entry.parent = parent;
    this.entries.set(key, entry);
    this.dirty = true;
  }

  /** A cache of just these keys' entries (`job-runner listen` syncs a few targets through such a view). */
  view(keys: Iterable<string>): HashCache {
    const picked = new Map<string, CacheEntry>();
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e) picked.set(k, e);
    }
    return new HashCache(this.file, picked);
  }

  /** Takes over every entry of a view after its sends. */
  adopt(view: HashCache): void {
    for (const [k, e] of view.entries) this.entries.set(k, e);
    this.dirty = true;
  }

  /** Keys whose last recorded operation is an upsert ("exported earlier", §2.8), for one kind. */
  exportedEarlier(kind: 'orgUnit' | 'user'): { uuid: string; entry: CacheEntry }[] {
    const prefix = `/${kind}/`;
    return [...this.entries]
      .filter(([k, e]) => k.startsWith(prefix) && e.op === 'upsert')
      .map(([k, entry]) => ({ uuid: k.slice(prefix.length), entry }));
  }

  get size(): number {
    return this.entries.size;
  }

  get changed(): boolean {
    return this.dirty;
  }

  /** The file's exact text: keys sorted, so equal caches are byte-identical. */
  serialize(): string {
    const sorted = [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: Record<string, CacheEntry> = {};
    for (const [k, e] of sorted)
      entries[k] =
        e.parent === undefined ? { op: e.op, hash: e.hash } : { op: e.op, hash: e.hash, parent: e.parent };
    return `${JSON.stringify({ version: CACHE_VERSION, algorithm: 'sha256', entries }, null, 2)}\n`;
  }

  /** Writes the cache atomically with mode 0600. */
  save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, this.serialize(), { mode: 0o600 });
    this.dirty = false;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** DIPEX's Python cache: `{"/user/<uuid>": "<sha224 hex>", …}`. Not reusable (decision 8): treated as empty. */
function isLegacyCache(data: unknown): boolean {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const entries = Object.entries(data as Record<string, unknown>);
  return (
    entries.length > 0 &&
    entries.every(
      ([k, v]) => /^\/(orgUnit|user)\//.test(k) && typeof v === 'string' && /^[0-9a-f]{56}$/.test(v),
    )
  );
}

/**
 * Loads the cache; a missing file is an empty cache (full send), and so is DIPEX's old cache file (`onLegacy`
 * is told). Anything else unreadable → settings error naming os2sync.hash_cache.
 */
export function loadHashCache(file: string, onLegacy?: (message: string) => void): HashCache {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new HashCache(file, new Map());
    throw cacheError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw cacheError(file, 'is not valid JSON');
  }
  if (isLegacyCache(data)) {
    onLegacy?.(
      `${file} is DIPEX's old hash cache; it is not reused: everything is sent once and the file is rewritten`,
    );
    return new HashCache(file, new Map());
  }
  const obj = data as { version?: unknown; entries?: unknown };
  if (
    !obj ||
    typeof obj !== 'object' ||
    obj.version !== CACHE_VERSION ||
    !obj.entries ||
    typeof obj.entries !== 'object'
  ) {
    throw cacheError(file, `is not a version ${CACHE_VERSION} OS2sync hash cache`);
  }
  const entries = new Map<string, CacheEntry>();
  for (const [key, value] of Object.entries(obj.entries as Record<string, unknown>)) {
    const e = value as Partial<CacheEntry>;
    const validKey = /^\/(orgUnit|user)\/[^/]+$/.test(key);
    if (
      !validKey ||
      !e ||
      (e.op !== 'upsert' && e.op !== 'delete') ||
      typeof e.hash !== 'string' ||
      !HEX64.test(e.hash)
    ) {
      throw cacheError(file, `has an invalid entry ${JSON.stringify(key).slice(0, 80)}`);
    }
    const entry: CacheEntry = { op: e.op, hash: e.hash };
    if (typeof e.parent === 'string' || e.parent === null) entry.parent = e.parent;
    entries.set(key, entry);
  }
  return new HashCache(file, entries);
}

function cacheError(file: string, what: string): JobSettingsError {
  return new JobSettingsError(
    'os2sync.hash_cache',
    `${file} ${what}; fix or delete it (deleting forces a full resend)`,
  );
}
