/**
 * The `POST /api/organisation/v3` body (specs/rollekatalog.md §1.3.1) from the snapshot model, with the REC
 * rules of §1.7: units from the root (one root), local validation so one bad record cannot sink the upload,
 * de-duplicated userIds and positions, managers only when they are among the users, the KLE mapping.
 */
import type { Identity } from './identity.js';
import type { KleAspect } from '../lora-cache/kle-aspects.js';
import type { RkEmail, RkModel } from './model.js';
import type { KleMapping } from './settings.js';

export interface RkOrgUnit {
  uuid: string;
  name: string;
  parentOrgUnitUuid: string | null;
  manager: { uuid: string; userId: string } | null;
  klePerforming: string[];
  kleInterest: string[];
}

export interface RkPosition {
  name: string;
  orgUnitUuid: string;
  titleUuid?: string;
}

export interface RkUser {
  extUuid: string;
  userId: string;
  name: string;
  email: string | null;
  positions: RkPosition[];
}

export interface RkPayload {
  orgUnits: RkOrgUnit[];
  users: RkUser[];
}

export interface PayloadOptions {
  root: string;
  ouFilter: boolean;
  rootUuid?: string;
  useNickname: boolean;
  kleMapping: KleMapping;
  emailTypes: string[];
  /** Job-function class uuids that are titles in Rollekatalog (titles synced); none: no titleUuid. */
  titleUuids?: Set<string>;
}

export interface PayloadResult {
  payload: RkPayload;
  /** Lines worth a warning; they name units and persons by uuid only. */
  warnings: string[];
  counts: {
    /** Units left out because they or an ancestor failed validation. */
    unitsDropped: number;
    usersWithoutPositions: number;
    usersDropped: number;
    duplicateUserIds: number;
    positionsDropped: number;
    managersCleared: number;
  };
}

export class PayloadError extends Error {}

/** The units sent, parent first: the root's subtree, plus (without ou_filter) every other top unit under the root. */
function selectUnits(
  model: RkModel,
  opts: PayloadOptions,
  warnings: string[],
): { parentOf: Map<string, string | null>; dropped: number } {
  const root = model.units.get(opts.root);
  if (!root) throw new PayloadError(`the root unit ${opts.root} is not a current unit in MO`);
  const children = new Map<string, string[]>();
  const tops: string[] = [];
  for (const u of model.units.values()) {
    if (u.uuid === opts.root) continue;
    if (u.parent && model.units.has(u.parent) && u.parent !== u.uuid) {
      const list = children.get(u.parent);
      if (list) list.push(u.uuid);
      else children.set(u.parent, [u.uuid]);
    } else tops.push(u.uuid);
  }
  const parentOf = new Map<string, string | null>();
  let dropped = 0;
  const visit = (uuid: string, parent: string | null): void => {
    const unit = model.units.get(uuid)!;
    if (!unit.name) {
      warnings.push(`unit ${uuid} has no name: left out with its subtree`);
      dropped++;
      return;
    }
    parentOf.set(uuid, parent);
    for (const c of children.get(uuid) ?? []) if (!parentOf.has(c)) visit(c, uuid);
  };
  visit(opts.root, null);
  if (!opts.ouFilter) for (const t of tops) visit(t, opts.root);
  return { parentOf, dropped };
}

const ASPECTS: Record<KleMapping, { performing: KleAspect[]; interest: KleAspect[] }> = {
  correct: { performing: ['UDFOERENDE'], interest: ['INFORMERET', 'INDSIGT'] },
  // DIPEX unpacked (Indsigt+Informeret, Udførende) as (performing, interest).
  'dipex-swapped': { performing: ['INDSIGT', 'INFORMERET'], interest: ['UDFOERENDE'] },
};

function kleLists(
  model: RkModel,
  mapping: KleMapping,
): Map<string, { performing: string[]; interest: string[] }> {
  const out = new Map<string, { performing: string[]; interest: string[] }>();
  const { performing, interest } = ASPECTS[mapping];
  for (const k of model.kle) {
    if (!k.number) continue;
    let entry = out.get(k.unitUuid);
    if (!entry) out.set(k.unitUuid, (entry = { performing: [], interest: [] }));
    if (performing.includes(k.aspect)) entry.performing.push(k.number);
    if (interest.includes(k.aspect)) entry.interest.push(k.number);
  }
  if (mapping === 'correct')
    for (const e of out.values()) {
      e.performing = [...new Set(e.performing)].sort();
      e.interest = [...new Set(e.interest)].sort();
    }
  return out;
}

/** REC 8: the priority list of types, else any e-mail; then the latest start, then the lowest uuid. */
function emailOf(emails: RkEmail[] | undefined, types: string[]): string | null {
  const candidates = (emails ?? []).filter(
    (e) => e.value && (types.length === 0 || types.includes(e.typeUserKey)),
  );
  if (candidates.length === 0) return null;
  const rank = (e: RkEmail): number => (types.length ? types.indexOf(e.typeUserKey) : 0);
  candidates.sort(
    (a, b) => rank(a) - rank(b) || b.start.localeCompare(a.start) || a.uuid.localeCompare(b.uuid),
  );
  return candidates[0]!.value;
}

export function buildPayload(
  model: RkModel,
  identities: Map<string, Identity>,
  opts: PayloadOptions,
): PayloadResult {
  const warnings: string[] = [];
  const counts: PayloadResult['counts'] = {
    unitsDropped: 0,
    usersWithoutPositions: 0,
    usersDropped: 0,
    duplicateUserIds: 0,
    positionsDropped: 0,
    managersCleared: 0,
  };
  const { parentOf, dropped } = selectUnits(model, opts, warnings);
  counts.unitsDropped = dropped;

  const emailsByPerson = new Map<string, RkEmail[]>();
  for (const e of model.emails) {
    const list = emailsByPerson.get(e.personUuid);
    if (list) list.push(e);
    else emailsByPerson.set(e.personUuid, [e]);
  }
  const engagementsByPerson = new Map<string, RkModel['engagements']>();
  for (const e of model.engagements) {
    const list = engagementsByPerson.get(e.personUuid);
    if (list) list.push(e);
    else engagementsByPerson.set(e.personUuid, [e]);
  }

  // Users, lowest MO uuid first so a duplicate userId keeps the lowest one (REC 2).
  const byUserId = new Map<string, RkUser & { moUuid: string }>();
  for (const personUuid of [...identities.keys()].sort()) {
    const identity = identities.get(personUuid)!;
    const person = model.persons.get(personUuid);
    if (!person) continue;
    const name = opts.useNickname && person.nickname ? person.nickname : person.name;
    if (!name || !identity.userId.trim()) {
      warnings.push(`person ${personUuid} has an empty ${name ? 'userId' : 'name'}: not sent`);
      counts.usersDropped++;
      continue;
    }
    const seen = new Set<string>();
    const positions: RkPosition[] = [];
    for (const e of engagementsByPerson.get(personUuid) ?? []) {
      if (!parentOf.has(e.unitUuid)) continue;
      if (!e.jobFunctionName) {
        warnings.push(
          `engagement ${e.uuid} of person ${personUuid} has no job function name: position left out`,
        );
        counts.positionsDropped++;
        continue;
      }
      const titleUuid =
        opts.titleUuids && e.jobFunctionUuid && opts.titleUuids.has(e.jobFunctionUuid)
          ? e.jobFunctionUuid
          : undefined;
      const key = `${e.jobFunctionName}\u0000${e.unitUuid}\u0000${titleUuid ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      positions.push({
        name: e.jobFunctionName,
        orgUnitUuid: e.unitUuid,
        ...(titleUuid ? { titleUuid } : {}),
      });
    }
    if (positions.length === 0) {
      counts.usersWithoutPositions++;
      continue;
    }
    const key = identity.userId.trim().toLowerCase();
    const earlier = byUserId.get(key);
    if (earlier) {
      warnings.push(
        `userId of person ${personUuid} is also person ${earlier.moUuid}'s: only ${earlier.moUuid} is sent`,
      );
      counts.duplicateUserIds++;
      continue;
    }
    byUserId.set(key, {
      moUuid: personUuid,
      extUuid: identity.extUuid,
      userId: identity.userId.trim(),
      name,
      email: emailOf(emailsByPerson.get(personUuid), opts.emailTypes),
      positions,
    });
  }
  const sentExtUuid = new Map<string, string>();
  for (const u of byUserId.values()) sentExtUuid.set(u.moUuid, u.extUuid);

  // Managers (REC 4): current managers by manager uuid, the first one with a person in users[].
  const managersByUnit = new Map<string, RkModel['managers']>();
  for (const m of model.managers) {
    const list = managersByUnit.get(m.unitUuid);
    if (list) list.push(m);
    else managersByUnit.set(m.unitUuid, [m]);
  }
  const kle = kleLists(model, opts.kleMapping);
  const rename = (uuid: string): string => (opts.rootUuid && uuid === opts.root ? opts.rootUuid : uuid);
  const orgUnits: RkOrgUnit[] = [];
  for (const [uuid, parent] of parentOf) {
    let manager: RkOrgUnit['manager'] = null;
    const candidates = (managersByUnit.get(uuid) ?? []).filter((m) => m.personUuid);
    for (const m of candidates) {
      const extUuid = sentExtUuid.get(m.personUuid!);
      const identity = identities.get(m.personUuid!);
      if (extUuid && identity) {
        manager = { uuid: extUuid, userId: identity.userId.trim() };
        break;
      }
    }
    if (!manager && candidates.length > 0) counts.managersCleared++;
    const k = kle.get(uuid);
    orgUnits.push({
      uuid: rename(uuid),
      name: model.units.get(uuid)!.name,
      parentOrgUnitUuid: parent === null ? null : rename(parent),
      manager,
      klePerforming: k?.performing ?? [],
      kleInterest: k?.interest ?? [],
    });
  }
  const users: RkUser[] = [...byUserId.values()].map(({ moUuid: _moUuid, ...u }) => ({
    ...u,
    positions: u.positions.map((p) => ({ ...p, orgUnitUuid: rename(p.orgUnitUuid) })),
  }));
  return { payload: { orgUnits, users }, warnings, counts };
}
