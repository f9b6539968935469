/**
 * "Engagementer og ledere" and "Engagementer og ledere med cpr-numre" (specs/reports.md §5.3 and decisions):
 * one row per engagement in each unit in scope, one per manager of the unit without an engagement there
 * (shown with their first engagement anywhere), and one for a unit that would otherwise have no row.
 */
import { ageFromCpr, type BirthDate } from './cpr.js';
import { lederFor, ownRole, unitSlots, type ManagerRules, type UnitSlots } from './managers.js';
import { maxDepth, traverse, type ScopedUnit } from './org-tree.js';
import type { Engagement, Manager, Person, SnapshotData, Unit } from './snapshot-data.js';
import { compareText, number, text, type Cell, type ColumnSpec, type ReportTable } from './table.js';

export const REPORT_FILE = 'Engagementer og ledere';
export const REPORT_WITH_CPR_FILE = 'Engagementer og ledere med cpr-numre';
const SHEET = 'Personer';

export interface EngagementsManagersConfig extends ManagerRules {
  /** Top unit (Niveau 1); all roots when unset. */
  topUnitUuid?: string;
  serviceNumberPrefixLength: number;
  preferredResponsibility: string;
  /** Date for Alder. */
  today: BirthDate;
}

/** One row before it becomes cells: everything both reports show. */
interface Line {
  scoped: ScopedUnit;
  person: Person | null;
  engagement: Engagement | null;
  role: Manager | null;
  leder: Manager | null;
  slots: UnitSlots | null;
}

/** The engagement shown for a manager without one in the unit: their primary engagement, else their first. */
function firstEngagement(data: SnapshotData, personUuid: string): Engagement | null {
  const all = data.engagementsByPerson.get(personUuid) ?? [];
  return all.find((e) => e.primary) ?? all[0] ?? null;
}

function unitLines(data: SnapshotData, scoped: ScopedUnit, cfg: EngagementsManagersConfig): Line[] {
  const unit = scoped.unit;
  const managers = data.managersByUnit.get(unit.uuid) ?? [];
  const engagements = data.engagementsByUnit.get(unit.uuid) ?? [];
  const slots = unitSlots(managers, cfg);
  const line = (personUuid: string, engagement: Engagement): Line => ({
    scoped,
    person: data.persons.get(personUuid) ?? null,
    engagement,
    role: ownRole(managers, personUuid),
    leder: lederFor(data, unit.uuid, personUuid, cfg),
    slots,
  });
  const lines = engagements.map((e) => line(e.personUuid, e));
  const engaged = new Set(engagements.map((e) => e.personUuid));
  for (const m of managers) {
    if (m.personUuid === null || engaged.has(m.personUuid)) continue;
    engaged.add(m.personUuid);
    const e = firstEngagement(data, m.personUuid);
    if (e) lines.push(line(m.personUuid, e));
  }
  if (lines.length === 0)
    lines.push({ scoped, person: null, engagement: null, role: null, leder: null, slots: null });
  return lines;
}

function scopeTops(data: SnapshotData, topUnitUuid: string | undefined): Unit[] {
  if (!topUnitUuid) return data.roots;
  const top = data.units.get(topUnitUuid);
  if (!top) throw new Error(`reports.org_unit_uuid: unit ${topUnitUuid} is not in the snapshot`);
  return [top];
}

/** What the table builders still need once the lines are built (the rest of the snapshot data can go). */
type Lookup = Pick<SnapshotData, 'persons' | 'address'>;

const nameOf = (data: Lookup, m: Manager | null): string =>
  m?.personUuid ? (data.persons.get(m.personUuid)?.name ?? '') : '';
const emailOf = (data: Lookup, personUuid: string | null | undefined): string =>
  personUuid ? (data.address.personFirstEmail.get(personUuid) ?? '') : '';

function serviceNumber(userKey: string, prefix: number): string {
  return prefix > 0 ? userKey.slice(prefix) : userKey;
}

function jobCode(e: Engagement): string {
  if (!e.jobFunctionTitle) return '';
  if (!e.jobFunctionUserKey || e.jobFunctionUserKey === e.jobFunctionTitle) return e.jobFunctionTitle;
  return `${e.jobFunctionTitle} (${e.jobFunctionUserKey})`;
}

function lederansvar(role: Manager | null, preferred: string): string {
  if (!role) return '';
  return role.responsibilities.includes(preferred) ? preferred : (role.responsibilities[0] ?? '');
}

const pathCells = (path: string[], depth: number): string[] =>
  Array.from({ length: depth }, (_, i) => path[i] ?? '');
const pathColumns = (depth: number): ColumnSpec[] =>
  Array.from({ length: depth }, (_, i) => text(`Niveau ${i + 1}`));

function sortRows(rows: Cell[][], keyColumns: number[]): Cell[][] {
  return rows.sort((a, b) => {
    for (const k of keyColumns) {
      const c = compareText(String(a[k] ?? ''), String(b[k] ?? ''));
      if (c !== 0) return c;
    }
    return 0;
  });
}

function engagementsAndManagers(
  data: Lookup,
  lines: Line[],
  depth: number,
  cfg: EngagementsManagersConfig,
): ReportTable {
  const columns = [
    ...pathColumns(depth),
    text('Leder'),
    ...Array.from({ length: cfg.medlederSlots }, (_, i) => text(`Medleder ${i + 1}`)),
    text('Administrator'),
    ...cfg.responsibilityColumns.map((r) => text(r)),
    text('Lederniveau'),
    text('Brugervendt Nøgle (BvN)'),
    text('Tjenestenummer'),
    text('Medarbejder'),
    text('E-mail'),
    text('Stillingskode'),
    text('Engagementstype'),
    text('Leders e-mail'),
  ];
  const rows = lines.map((l): Cell[] => {
    const e = l.engagement;
    const s = l.slots;
    return [
      ...pathCells(l.scoped.path, depth),
      nameOf(data, l.leder),
      ...(s ? s.medledere : Array.from({ length: cfg.medlederSlots }, () => null)).map((m) =>
        nameOf(data, m),
      ),
      nameOf(data, s?.administrator ?? null),
      ...(s ? s.responsibilities : cfg.responsibilityColumns.map(() => null)).map((m) => nameOf(data, m)),
      l.role?.levelTitle ?? '',
      e?.userKey ?? '',
      e ? serviceNumber(e.userKey, cfg.serviceNumberPrefixLength) : '',
      l.person?.name ?? '',
      emailOf(data, l.person?.uuid),
      e ? jobCode(e) : '',
      e?.engagementType ?? '',
      emailOf(data, l.leder?.personUuid),
    ];
  });
  // Path, then Medarbejder, then BvN (the last columns are fixed: Medarbejder is fifth from the end).
  const keys = [...Array.from({ length: depth }, (_, i) => i), columns.length - 5, columns.length - 7];
  return { fileBase: REPORT_FILE, sheet: SHEET, columns, rows: sortRows(rows, keys), containsCpr: false };
}

function withCpr(data: Lookup, lines: Line[], depth: number, cfg: EngagementsManagersConfig): ReportTable {
  const columns = [
    ...pathColumns(depth),
    text('Enhedsnavn'),
    text('Enhedstype'),
    text('Medarbejder'),
    text('Stilling'),
    text('Lederniveau'),
    text('Lederbetegnelse'),
    text('Lederansvar'),
    text('Tjenestenummer'),
    text('CPR-nummer'),
    text('E-mail'),
    number('Alder'),
    text('Leder'),
    text('Leders e-mail'),
    text('Brugervendt Nøgle (BvN)'),
    text('Engagementstype'),
  ];
  const rows = lines.map((l): Cell[] => {
    const e = l.engagement;
    const p = l.person;
    return [
      ...pathCells(l.scoped.path, depth),
      l.scoped.unit.name,
      l.scoped.unit.unitTypeTitle,
      p?.name ?? '',
      e?.extension1 ?? '',
      l.role?.levelTitle ?? '',
      l.role?.typeTitle ?? '',
      lederansvar(l.role, cfg.preferredResponsibility),
      e ? serviceNumber(e.userKey, cfg.serviceNumberPrefixLength) : '',
      p?.cpr ?? '',
      emailOf(data, p?.uuid),
      p ? ageFromCpr(p.cpr, cfg.today) : null,
      nameOf(data, l.leder),
      emailOf(data, l.leder?.personUuid),
      e?.userKey ?? '',
      e?.engagementType ?? '',
    ];
  });
  const keys = [...Array.from({ length: depth + 1 }, (_, i) => i), depth + 2, depth + 13];
  return {
    fileBase: REPORT_WITH_CPR_FILE,
    sheet: SHEET,
    columns,
    rows: sortRows(rows, keys),
    containsCpr: true,
  };
}

/** The rows both reports are made from, computed once. */
export interface EngagementsManagersLines {
  data: Lookup;
  lines: Line[];
  depth: number;
  cfg: EngagementsManagersConfig;
}

export function buildLines(data: SnapshotData, cfg: EngagementsManagersConfig): EngagementsManagersLines {
  const scoped = traverse(data, scopeTops(data, cfg.topUnitUuid));
  const depth = Math.max(1, maxDepth(scoped));
  const lines = scoped.flatMap((s) => unitLines(data, s, cfg));
  return { data: { persons: data.persons, address: data.address }, lines, depth, cfg };
}

/** "Engagementer og ledere". */
export function engagementsManagersTable(l: EngagementsManagersLines): ReportTable {
  return engagementsAndManagers(l.data, l.lines, l.depth, l.cfg);
}

/** "Engagementer og ledere med cpr-numre". */
export function withCprTable(l: EngagementsManagersLines): ReportTable {
  return withCpr(l.data, l.lines, l.depth, l.cfg);
}
