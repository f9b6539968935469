/**
 * The CPR map's rows from MO: the AD systems, then every IT user of those systems (one flat paged list filtered
 * by system), then the persons page by page.
 */
import type { MoClient } from '../clients/mo.js';
import { CPR_UUID_ITSYSTEMS, CPR_UUID_ITUSERS, CPR_UUID_PERSONS } from './queries.js';
import { firstPerPerson, noSystemWarning, type CprRow, type CprSource } from './source.js';

/** Matches the configured names or user_keys against MO's IT systems. */
export async function adSystems(client: MoClient, systems: string[]): Promise<string[]> {
  const uuids: string[] = [];
  for await (const page of client.paged<{ uuid: string; current: { user_key: string; name: string } | null }>(
    CPR_UUID_ITSYSTEMS,
  )) {
    for (const s of page)
      if (s.current && (systems.includes(s.current.name) || systems.includes(s.current.user_key)))
        uuids.push(s.uuid);
  }
  return uuids;
}

export async function moSource(client: MoClient, systems: string[], settingKey: string): Promise<CprSource> {
  const warnings: string[] = [];
  const ad = new Map<string, { userKey: string; externalId: string | null }>();
  const uuids = await adSystems(client, systems);
  if (uuids.length === 0) warnings.push(noSystemWarning(settingKey, systems));
  else {
    type ItUser = {
      current: { employee_uuid?: string | null; user_key: string; external_id?: string | null } | null;
    };
    for await (const page of client.paged<ItUser>(CPR_UUID_ITUSERS, { itsystems: uuids }))
      for (const i of page)
        if (i.current) firstPerPerson(ad, i.current.employee_uuid, i.current.user_key, i.current.external_id);
  }
  return {
    name: 'MO',
    warnings,
    async *rows() {
      type Person = { uuid: string; current: { cpr_number?: string | null } | null };
      for await (const page of client.paged<Person>(CPR_UUID_PERSONS)) {
        const rows: CprRow[] = [];
        for (const p of page)
          if (p.current) rows.push({ cpr: p.current.cpr_number ?? '', uuid: p.uuid, ad: ad.get(p.uuid) });
        yield rows;
      }
    },
    close: () => client.close(),
  };
}
