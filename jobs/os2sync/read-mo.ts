/**
 * Reads everything the export needs from MO with a few paged bulk queries (run concurrently, bounded by the
 * MO client) and turns it into flat rows for assemble.ts. Any failure aborts the job before anything is sent.
 */
import type { MoClient } from '../clients/mo.js';
import type { GqlDocument } from '../clients/gql.js';
import type { RawData } from './assemble.js';
import { engagementFromTimeline, type EngagementValidity } from './engagement-timeline.js';
import {
  addressesQuery,
  classesQuery,
  engagementsQuery,
  facetsQuery,
  itSystemsQuery,
  itUsersQuery,
  klesQuery,
  managersQuery,
  orgQuery,
  personsQuery,
  unitsQuery,
} from './queries.js';

interface Current<T> {
  current: T | null;
}

async function all<T>(client: MoClient, doc: GqlDocument, vars: Record<string, unknown> = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const page of client.paged<T>(doc, vars)) out.push(...page);
  return out;
}

async function currents<T>(client: MoClient, doc: GqlDocument): Promise<T[]> {
  return (await all<Current<T>>(client, doc)).map((o) => o.current).filter((c): c is T => c !== null);
}

const date = (dt: string | null | undefined): string | null => (dt ? dt.slice(0, 10) : null);

export interface ClassInfo {
  uuid: string;
  user_key: string;
  name: string;
  scope: string | null;
  facet_uuid: string;
}

export async function readFromMo(
  client: MoClient,
  today: string,
  needs: { managers: boolean; kles: boolean },
): Promise<RawData> {
  type Unit = {
    uuid: string;
    name: string;
    parent_uuid: string | null;
    org_unit_level_uuid: string | null;
    unit_type_uuid: string | null;
    org_unit_hierarchy: string | null;
  };
  type ItUser = {
    uuid: string;
    user_key: string;
    itsystem_uuid: string;
    employee_uuid: string | null;
    org_unit_uuid: string | null;
    engagement_uuids: string[] | null;
  };
  type Address = {
    uuid: string;
    name: string | null;
    value: string;
    address_type_uuid: string;
    visibility_uuid: string | null;
    employee_uuid: string | null;
    org_unit_uuid: string | null;
    engagement_uuid: string | null;
  };
  type Manager = { uuid: string; employee_uuid: string | null; org_unit_uuid: string };
  type Kle = { uuid: string; org_unit_uuid: string; kle_number_uuid: string; kle_aspect_uuids: string[] };
  type Person = {
    uuid: string;
    user_key: string;
    given_name: string | null;
    surname: string | null;
    nickname_given_name: string | null;
    nickname_surname: string | null;
    cpr_number: string | null;
  };

  const [org, facets, classes, itsystems, units, itusers, addresses, managers, kles, persons, engagements] =
    await Promise.all([
      client.query<{ org: { uuid: string } }>(orgQuery),
      currents<{ uuid: string; user_key: string }>(client, facetsQuery),
      currents<ClassInfo>(client, classesQuery),
      currents<{ uuid: string; name: string }>(client, itSystemsQuery),
      currents<Unit>(client, unitsQuery),
      currents<ItUser>(client, itUsersQuery),
      currents<Address>(client, addressesQuery),
      needs.managers ? currents<Manager>(client, managersQuery) : Promise.resolve([] as Manager[]),
      needs.kles ? currents<Kle>(client, klesQuery) : Promise.resolve([] as Kle[]),
      currents<Person>(client, personsQuery),
      all<EngagementObject>(client, engagementsQuery, { from: today }),
    ]);

  const classById = new Map(classes.map((c) => [c.uuid, c]));
  const hierarchyFacets = new Set(
    facets.filter((f) => f.user_key === 'org_unit_hierarchy').map((f) => f.uuid),
  );
  const systemName = new Map(itsystems.map((s) => [s.uuid, s.name]));
  const title = (uuid: string | null): string => (uuid ? (classById.get(uuid)?.name ?? uuid) : '');

  return {
    units: units.map((u) => ({
      uuid: u.uuid,
      name: u.name,
      parent: u.parent_uuid && u.parent_uuid !== org.org.uuid ? u.parent_uuid : null,
      level: u.org_unit_level_uuid,
      type: u.unit_type_uuid,
      hierarchy: u.org_unit_hierarchy,
    })),
    hierarchyClasses: new Map(
      classes.filter((c) => hierarchyFacets.has(c.facet_uuid)).map((c) => [c.uuid.toLowerCase(), c.name]),
    ),
    itUsers: itusers
      .filter((it) => systemName.has(it.itsystem_uuid))
      .map((it) => ({
        uuid: it.uuid,
        userKey: it.user_key,
        itSystemUuid: it.itsystem_uuid.toLowerCase(),
        itSystemName: systemName.get(it.itsystem_uuid)!,
        engagementUuid: [...(it.engagement_uuids ?? [])].map((e) => e.toLowerCase()).sort()[0] ?? null,
        personUuid: it.employee_uuid,
        unitUuid: it.org_unit_uuid,
      })),
    addresses: addresses.flatMap((a) => {
      const type = classById.get(a.address_type_uuid);
      if (!type || !type.scope) return [];
      const visibility = a.visibility_uuid ? classById.get(a.visibility_uuid) : undefined;
      return [
        {
          uuid: a.uuid,
          name: a.name ?? a.value,
          typeUuid: a.address_type_uuid.toLowerCase(),
          scope: type.scope,
          typeUserKey: type.user_key,
          typeName: type.name,
          visibilityScope: a.visibility_uuid ? (visibility?.scope ?? null) : null,
          engagementUuid: a.engagement_uuid ? a.engagement_uuid.toLowerCase() : null,
          personUuid: a.employee_uuid,
          unitUuid: a.org_unit_uuid,
        },
      ];
    }),
    managers: managers.map((m) => ({ unitUuid: m.org_unit_uuid, personUuid: m.employee_uuid })),
    kles: kles.map((k) => ({
      uuid: k.uuid,
      unitUuid: k.org_unit_uuid,
      numberUuid: k.kle_number_uuid,
      aspects: k.kle_aspect_uuids.map((a) => title(a)),
    })),
    persons: persons.map((p) => ({
      uuid: p.uuid,
      userKey: p.user_key,
      givenName: p.given_name ?? '',
      surname: p.surname ?? '',
      nicknameGivenName: p.nickname_given_name ?? '',
      nicknameSurname: p.nickname_surname ?? '',
      cpr: p.cpr_number && p.cpr_number !== '' ? p.cpr_number : null,
    })),
    engagements: engagementsFromPages(engagements, title, today),
  };
}

type EngValidity = {
  uuid: string;
  employee_uuid: string;
  org_unit_uuid: string;
  job_function_uuid: string;
  is_primary: boolean;
  validity: { from: string | null; to: string | null };
};
type EngagementObject = { validities: EngValidity[] };

function engagementsFromPages(
  objects: EngagementObject[],
  title: (uuid: string | null) => string,
  today: string,
): RawData['engagements'] {
  return objects.flatMap((e) => {
    const uuid = e.validities[0]?.uuid;
    if (!uuid) return [];
    const timeline: EngagementValidity[] = e.validities.map((v) => ({
      personUuid: v.employee_uuid,
      unitUuid: v.org_unit_uuid,
      jobFunction: title(v.job_function_uuid),
      isPrimary: v.is_primary === true,
      from: date(v.validity.from),
      to: date(v.validity.to),
    }));
    const rec = engagementFromTimeline(uuid, timeline, today);
    return rec ? [rec] : [];
  });
}
