/** The User payload of one FK account (spec §2.6, §2.7). */
import type { Account } from './accounts.js';
import type { AddressRec, PersonRec, UnitRec } from './model.js';
import type { PositionPayload, UserPayload } from './payloads.js';
import type { UnitScope } from './scope.js';
import type { Os2syncConfig } from './config.js';
import type { CompiledTemplate } from './templates.js';
import { isVisible } from './unit-payload.js';
import { joinName } from './model.js';

export interface UserPayloadContext {
  cfg: Os2syncConfig;
  scope: UnitScope;
  units: Map<string, UnitRec>;
  templates: Map<string, CompiledTemplate>;
  warn(message: string): void;
}

const byUuid = (a: AddressRec, b: AddressRec): number => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

/**
 * Picks an address from a bucket: with an empty list any visible one (lowest uuid); otherwise the one whose
 * type is earliest in the list (ties: lowest uuid). Types not in a non-empty list are never used (decision 4).
 */
export function pickAddress(
  candidates: AddressRec[],
  priority: string[],
  typeOf: (a: AddressRec) => string = (a) => a.typeUuid,
): AddressRec | null {
  const visible = candidates.filter(isVisible).sort(byUuid);
  if (priority.length === 0) return visible[0] ?? null;
  for (const type of priority) {
    const hit = visible.find((a) => typeOf(a) === type);
    if (hit) return hit;
  }
  return null;
}

/** E-mail, phone and landline buckets (§2.7). */
export function pickContactFields(
  addresses: AddressRec[],
  cfg: Os2syncConfig,
): Pick<UserPayload, 'Email' | 'PhoneNumber' | 'Landline'> {
  const landline = addresses.filter((a) => cfg.landlineClasses.includes(a.typeUuid));
  const rest = addresses.filter((a) => !cfg.landlineClasses.includes(a.typeUuid));
  const out: Pick<UserPayload, 'Email' | 'PhoneNumber' | 'Landline'> = {};
  const email = pickAddress(
    rest.filter((a) => a.scope === 'EMAIL'),
    cfg.emailClasses,
  );
  const phone = pickAddress(
    rest.filter((a) => a.scope === 'PHONE'),
    cfg.phoneClasses,
  );
  const land = cfg.landlineClasses.length > 0 ? pickAddress(landline, cfg.landlineClasses) : null;
  if (email) out.Email = email.name;
  if (phone) out.PhoneNumber = phone.name;
  if (land) out.Landline = land.name;
  return out;
}

/** Template context for `person.name`: the MO person with the legacy REST key names (spec §4). */
export function personNameContext(person: PersonRec): Record<string, unknown> {
  return {
    uuid: person.uuid,
    user_key: person.userKey,
    name: joinName(person.givenName, person.surname),
    givenname: person.givenName,
    surname: person.surname,
    nickname: joinName(person.nicknameGivenName, person.nicknameSurname),
    nickname_givenname: person.nicknameGivenName,
    nickname_surname: person.nicknameSurname,
    cpr_no: person.cpr,
  };
}

const codePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildUserPayload(person: PersonRec, account: Account, ctx: UserPayloadContext): UserPayload {
  const { cfg, scope } = ctx;
  const nameTemplate = ctx.templates.get('person.name');
  const name = nameTemplate
    ? renderFor(nameTemplate, personNameContext(person), person.uuid)
    : joinName(person.givenName, person.surname);

  let userId = account.username;
  if (userId === null) {
    const idTemplate = ctx.templates.get('person.user_id');
    userId = idTemplate
      ? renderFor(
          idTemplate,
          {
            uuid: account.uuid,
            user_key: person.userKey,
            candidate_user_id: null,
            person: { uuid: person.uuid },
          },
          person.uuid,
        )
      : account.uuid;
  }

  let cpr: string | null = null;
  if (cfg.xferCpr) {
    cpr = person.cpr && person.cpr.trim() !== '' ? person.cpr : null;
    if (cpr === null) ctx.warn(`person ${person.uuid} has no CPR number; Person.Cpr is sent as null`);
  }

  const withPositions = !(cfg.filterUsersByItSystem && account.username === null);
  const engagements = withPositions
    ? account.engagements
        .filter((e) => scope.exported.has(e.unitUuid))
        .sort((a, b) => codePoint(a.jobFunction + a.uuid, b.jobFunction + b.uuid))
    : [];
  const positions: PositionPayload[] = engagements.map((e) => ({
    Name: e.jobFunction,
    OrgUnitUuid: scope.fkUuid(e.unitUuid),
    StartDate: e.startDate,
    StopDate: e.stopDate,
  }));

  const payload: UserPayload = {
    Uuid: account.uuid,
    UserId: userId,
    Person: { Name: name, Cpr: cpr },
    Positions: positions,
    ...pickContactFields(account.addresses, cfg),
  };

  if (cfg.employeeEngagementAddress.length > 0 && engagements.length > 0) {
    const primaries = engagements.filter((e) => e.isPrimary);
    if (primaries.length !== 1) {
      ctx.warn(
        `account ${account.uuid} has ${primaries.length} primary positions; Location is taken from the first position`,
      );
    }
    const chosen = primaries.length === 1 ? primaries[0]! : engagements[0]!;
    const unit = ctx.units.get(chosen.unitUuid);
    const address = unit
      ? pickAddress(unit.addresses, cfg.employeeEngagementAddress, (a) => a.typeName)
      : null;
    if (address) payload.Location = address.name;
  }
  return payload;
}

/** Render errors abort the run; the message names the template key and the person, never the context. */
export class TemplateFailure extends Error {}

function renderFor(template: CompiledTemplate, context: Record<string, unknown>, personUuid: string): string {
  try {
    return template.render(context);
  } catch (err) {
    throw new TemplateFailure(`${(err as Error).message} (person ${personUuid})`);
  }
}
