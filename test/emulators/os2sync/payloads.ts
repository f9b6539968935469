/**
 * OS2sync's request binding: JSON property names bind case-insensitively to the registration classes,
 * unknown properties are ignored, and the validation messages are OS2sync's own (spec §1.2, §1.3).
 */
import type { OrgUnitRecord, UserRecord } from './types.js';

export const ORG_UNIT_FIELDS = [
  'Uuid',
  'Name',
  'ParentOrgUnitUuid',
  'ShortKey',
  'PayoutUnitUuid',
  'ManagerUuid',
  'PhoneNumber',
  'Email',
  'Location',
  'LOSShortName',
  'LOSId',
  'ContactOpenHours',
  'DtrId',
  'EmailRemarks',
  'Contact',
  'PostReturn',
  'PhoneOpenHours',
  'Ean',
  'Url',
  'Landline',
  'Post',
  'PostSecondary',
  'FOA',
  'PNR',
  'SOR',
  'Type',
  'Tasks',
  'ItSystems',
  'ContactForTasks',
  'ContactPlaces',
  'Timestamp',
] as const;

export const USER_FIELDS = [
  'Uuid',
  'UserId',
  'Person',
  'Positions',
  'ShortKey',
  'PhoneNumber',
  'Landline',
  'Email',
  'RacfID',
  'Location',
  'FMKID',
  'IsRobot',
  'Status',
] as const;

const PERSON_FIELDS = ['Name', 'Cpr', 'Uuid'] as const;
const POSITION_FIELDS = ['Name', 'OrgUnitUuid', 'StartDate', 'StopDate'] as const;

export class BadRequest extends Error {}
/** OS2sync answers an unhandled exception with 500 (e.g. an explicit `"Person": null`). */
export class ServerFault extends Error {}

function bind(body: unknown, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return out;
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const canonical = byLower.get(k.toLowerCase());
    if (canonical !== undefined) out[canonical] = v;
  }
  return out;
}

const lower = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

export function bindOrgUnit(body: unknown): OrgUnitRecord {
  const unit = bind(body, ORG_UNIT_FIELDS);
  if (!nonEmpty(unit.Uuid)) throw new BadRequest('uuid is null');
  if (!nonEmpty(unit.Name)) throw new BadRequest('name is null');
  delete unit.Timestamp;
  unit.Uuid = lower(unit.Uuid);
  unit.ParentOrgUnitUuid = lower(unit.ParentOrgUnitUuid ?? null);
  if (unit.ManagerUuid != null) unit.ManagerUuid = lower(unit.ManagerUuid);
  if (typeof unit.ShortKey === 'string' && unit.ShortKey.length > 50)
    throw new BadRequest('ShortKey is too long');
  return unit as OrgUnitRecord;
}

export function bindUser(body: unknown): UserRecord {
  const user = bind(body, USER_FIELDS);
  if (user.Person === null) throw new ServerFault('Object reference not set to an instance of an object.');
  const person = bind(user.Person, PERSON_FIELDS);
  if (!nonEmpty(person.Name)) throw new BadRequest('Person.Name is null or empty');
  if (!nonEmpty(user.UserId)) throw new BadRequest('UserId is null or empty');
  if (!nonEmpty(user.Uuid)) throw new BadRequest('Uuid is null empty');
  if (!Array.isArray(user.Positions) || user.Positions.length === 0) {
    throw new BadRequest('Positions is null or empty');
  }
  const positions = user.Positions.map((p) => bind(p, POSITION_FIELDS));
  for (const p of positions) {
    if (!nonEmpty(p.Name) || !nonEmpty(p.OrgUnitUuid))
      throw new BadRequest('Position Name or OrgUnitUUID is null');
    p.OrgUnitUuid = lower(p.OrgUnitUuid);
  }
  delete user.Status;
  return {
    ...user,
    Uuid: (user.Uuid as string).toLowerCase(),
    Person: person,
    Positions: positions,
  } as UserRecord;
}
