/** What the CPR map is written from: MO (flat paged reads) or this night's actual-state snapshot. */

/** One map row before quoting. */
export interface CprRow {
  cpr: string;
  uuid: string;
  ad?: { userKey: string; externalId: string | null };
}

export interface CprSource {
  /** `mo` or `snapshot <path>`, for the log. */
  readonly name: string;
  /** Warnings found while resolving the AD systems (e.g. none matched). */
  readonly warnings: string[];
  /** Persons valid now in MO's order, page by page. */
  rows(): AsyncIterable<CprRow[]>;
  close(): void;
}

/** The first IT user of each person, in read order (the AD columns show one account per person). */
export function firstPerPerson(
  map: Map<string, { userKey: string; externalId: string | null }>,
  person: string | null | undefined,
  userKey: string,
  externalId: string | null | undefined,
): void {
  if (person && !map.has(person)) map.set(person, { userKey, externalId: externalId ?? null });
}

export function noSystemWarning(key: string, systems: string[]): string {
  return `${key}: no IT system in MO is named ${systems.map((s) => `"${s}"`).join(' or ')}; AD columns left empty`;
}
