/**
 * The sanity check's findings from plain rows, whichever source they came from (MO or the snapshot): duplicate
 * class user_keys within a facet (case-insensitive) and duplicate CPR numbers. Groups are put in a canonical order
 * (UUIDs sorted within a group, groups by their first UUID), so both sources give the very same findings.
 */

export interface ClassRow {
  uuid: string;
  userKey: string;
  facet: string;
}

export interface PersonRow {
  uuid: string;
  cpr: string | null;
}

export interface ClassGroup {
  facet: string;
  /** The user_key as the group's first class (by UUID) spells it. */
  userKey: string;
  uuids: string[];
}

/** Collects rows as they are read; `classes`/`persons` give the totals and the duplicate groups. */
export class DuplicateFinder {
  private readonly byKey = new Map<string, { facet: string; members: { uuid: string; userKey: string }[] }>();
  private readonly byCpr = new Map<string, string[]>();
  classTotal = 0;
  personTotal = 0;

  addClass(c: ClassRow): void {
    this.classTotal++;
    const key = `${c.facet}\u0000${c.userKey.toLowerCase()}`;
    const entry = this.byKey.get(key);
    if (entry) entry.members.push({ uuid: c.uuid, userKey: c.userKey });
    else this.byKey.set(key, { facet: c.facet, members: [{ uuid: c.uuid, userKey: c.userKey }] });
  }

  addPerson(p: PersonRow): void {
    this.personTotal++;
    const cpr = p.cpr?.replace(/\D/g, '');
    if (!cpr) return;
    const uuids = this.byCpr.get(cpr);
    if (uuids) uuids.push(p.uuid);
    else this.byCpr.set(cpr, [p.uuid]);
  }

  classGroups(): ClassGroup[] {
    const groups: ClassGroup[] = [];
    for (const { facet, members } of this.byKey.values()) {
      if (members.length < 2) continue;
      members.sort((a, b) => compare(a.uuid, b.uuid));
      groups.push({ facet, userKey: members[0]!.userKey, uuids: members.map((m) => m.uuid) });
    }
    return groups.sort((a, b) => compare(a.uuids[0]!, b.uuids[0]!));
  }

  cprGroups(): string[][] {
    const groups: string[][] = [];
    for (const uuids of this.byCpr.values()) if (uuids.length > 1) groups.push([...uuids].sort(compare));
    return groups.sort((a, b) => compare(a[0]!, b[0]!));
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
