/**
 * What the Rollekatalog payload is built from, read from the night's actual-state snapshot (plain data, so the
 * payload rules in ./payload.ts are pure and testable on hand-made models).
 */
import type { Database } from 'better-sqlite3';
import { kleAspectOf, type KleAspect } from '../lora-cache/kle-aspects.js';

export interface RkUnit {
  uuid: string;
  name: string;
  parent: string | null;
}

export interface RkPerson {
  uuid: string;
  name: string;
  nickname: string;
}

/** A current or future engagement (one per engagement, from `engagement_perioder`). */
export interface RkEngagement {
  uuid: string;
  personUuid: string;
  unitUuid: string;
  jobFunctionUuid: string | null;
  jobFunctionName: string;
}

export interface RkManager {
  uuid: string;
  personUuid: string | null;
  unitUuid: string;
}

export interface RkKle {
  unitUuid: string;
  aspect: KleAspect;
  /** The KLE number (the number class's user_key, e.g. "27.18.00"). */
  number: string;
}

export interface RkItUser {
  personUuid: string;
  system: string;
  userKey: string;
  externalId: string | null;
}

export interface RkJobFunction {
  uuid: string;
  userKey: string;
  name: string;
}

export interface RkEmail {
  personUuid: string;
  uuid: string;
  typeUserKey: string;
  value: string;
  start: string;
}

export interface RkModel {
  units: Map<string, RkUnit>;
  persons: Map<string, RkPerson>;
  engagements: RkEngagement[];
  managers: RkManager[];
  kle: RkKle[];
  itUsers: RkItUser[];
  /** IT systems by uuid: their name. */
  itSystems: Map<string, string>;
  emails: RkEmail[];
  jobFunctions: RkJobFunction[];
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

function rows(db: Database, sql: string): Record<string, unknown>[] {
  return db.prepare(sql).all() as Record<string, unknown>[];
}

export function readRollekatalogModel(db: Database): RkModel {
  const units = new Map<string, RkUnit>();
  for (const r of rows(db, 'SELECT uuid, navn, "forældreenhed_uuid" AS parent FROM enheder ORDER BY id')) {
    const uuid = str(r.uuid);
    if (!units.has(uuid)) units.set(uuid, { uuid, name: str(r.navn).trim(), parent: str(r.parent) || null });
  }
  const persons = new Map<string, RkPerson>();
  for (const r of rows(
    db,
    'SELECT uuid, fornavn, efternavn, kaldenavn_fornavn, kaldenavn_efternavn FROM brugere ORDER BY id',
  )) {
    const uuid = str(r.uuid);
    if (persons.has(uuid)) continue;
    persons.set(uuid, {
      uuid,
      name: `${str(r.fornavn)} ${str(r.efternavn)}`.trim(),
      nickname: `${str(r.kaldenavn_fornavn)} ${str(r.kaldenavn_efternavn)}`.trim(),
    });
  }
  const engagements = rows(
    db,
    `SELECT uuid, bruger_uuid, enhed_uuid, stillingsbetegnelse_uuid, stillingsbetegnelse_titel
     FROM engagement_perioder ORDER BY bruger_uuid, "første_startdato", uuid`,
  ).map((r) => ({
    uuid: str(r.uuid),
    personUuid: str(r.bruger_uuid),
    unitUuid: str(r.enhed_uuid),
    jobFunctionUuid: str(r.stillingsbetegnelse_uuid) || null,
    jobFunctionName: str(r.stillingsbetegnelse_titel).trim(),
  }));
  const managers = rows(db, 'SELECT uuid, bruger_uuid, enhed_uuid FROM ledere ORDER BY uuid').map((r) => ({
    uuid: str(r.uuid),
    personUuid: str(r.bruger_uuid) || null,
    unitUuid: str(r.enhed_uuid),
  }));
  const kle = rows(
    db,
    `SELECT k.enhed_uuid, k.kle_aspekt_titel, a.bvn AS aspekt_bvn, n.bvn AS nummer_bvn, k.kle_nummer_titel
     FROM kle k LEFT JOIN klasser a ON a.uuid = k.kle_aspekt_uuid LEFT JOIN klasser n ON n.uuid = k.kle_nummer_uuid
     ORDER BY k.id`,
  ).map((r) => ({
    unitUuid: str(r.enhed_uuid),
    aspect: kleAspectOf(str(r.aspekt_bvn), str(r.kle_aspekt_titel)),
    number: str(r.nummer_bvn) || str(r.kle_nummer_titel),
  }));
  const itSystems = new Map(
    rows(db, 'SELECT uuid, navn FROM it_systemer').map((r) => [str(r.uuid), str(r.navn)] as const),
  );
  const itUsers = rows(
    db,
    `SELECT bruger_uuid, it_system_uuid, brugernavn, eksternt_id FROM it_forbindelser
     WHERE bruger_uuid IS NOT NULL ORDER BY bruger_uuid, uuid`,
  ).map((r) => ({
    personUuid: str(r.bruger_uuid),
    system: str(r.it_system_uuid),
    userKey: str(r.brugernavn),
    externalId: str(r.eksternt_id) || null,
  }));
  const emails = rows(
    db,
    `SELECT uuid, bruger_uuid, adressetype_bvn, "værdi", startdato FROM adresser
     WHERE bruger_uuid IS NOT NULL AND adressetype_scope = 'E-mail'`,
  ).map((r) => ({
    personUuid: str(r.bruger_uuid),
    uuid: str(r.uuid),
    typeUserKey: str(r.adressetype_bvn),
    value: str(r['værdi']).trim(),
    start: str(r.startdato),
  }));
  const jobFunctions = rows(
    db,
    "SELECT uuid, bvn, titel FROM klasser WHERE facet_bvn = 'engagement_job_function' ORDER BY uuid",
  ).map((r) => ({ uuid: str(r.uuid), userKey: str(r.bvn), name: str(r.titel) }));
  return { units, persons, engagements, managers, kle, itUsers, itSystems, emails, jobFunctions };
}
