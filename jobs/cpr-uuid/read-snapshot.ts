/**
 * The CPR map's rows from this night's actual-state snapshot: `brugere` (persons valid now, in MO's order) and
 * `it_forbindelser` of the AD systems. Sends nothing to MO unless a configured system is not an IT system name
 * in the snapshot (the snapshot keeps names only; user_keys are then looked up in MO: one small request).
 */
import type { SnapshotReader } from '../lora-cache/read.js';
import { firstPerPerson, noSystemWarning, type CprRow, type CprSource } from './source.js';

const ROWS_PER_PAGE = 2000;

export async function snapshotSource(
  snapshot: SnapshotReader,
  systems: string[],
  settingKey: string,
  byUserKey: () => Promise<string[]>,
): Promise<CprSource> {
  const { db } = snapshot;
  const byName = db.prepare('SELECT uuid, navn FROM it_systemer').all() as { uuid: string; navn: string }[];
  const uuids = byName.filter((s) => systems.includes(s.navn)).map((s) => s.uuid);
  if (systems.some((s) => !byName.some((x) => x.navn === s))) {
    for (const u of await byUserKey()) if (!uuids.includes(u)) uuids.push(u);
  }
  const warnings = uuids.length === 0 ? [noSystemWarning(settingKey, systems)] : [];
  const wanted = new Set(uuids);
  const ad = new Map<string, { userKey: string; externalId: string | null }>();
  const itUsers = db
    .prepare('SELECT it_system_uuid, bruger_uuid, brugernavn, eksternt_id FROM it_forbindelser ORDER BY id')
    .iterate() as IterableIterator<{
    it_system_uuid: string;
    bruger_uuid: string | null;
    brugernavn: string | null;
    eksternt_id: string | null;
  }>;
  for (const r of itUsers)
    if (wanted.has(r.it_system_uuid)) firstPerPerson(ad, r.bruger_uuid, r.brugernavn ?? '', r.eksternt_id);
  return {
    name: `snapshot ${snapshot.path}`,
    warnings,
    async *rows() {
      const persons = db.prepare('SELECT uuid, cpr FROM brugere ORDER BY id').iterate() as IterableIterator<{
        uuid: string;
        cpr: string | null;
      }>;
      let rows: CprRow[] = [];
      for (const p of persons) {
        rows.push({ cpr: p.cpr ?? '', uuid: p.uuid, ad: ad.get(p.uuid) });
        if (rows.length === ROWS_PER_PAGE) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length) yield rows;
    },
    close: () => snapshot.close(),
  };
}
