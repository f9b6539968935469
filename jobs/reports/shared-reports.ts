/**
 * The five shared CSV reports of specs/reports.md §5.1, from the snapshot. Same file names and columns as
 * DIPEX's shared_reports.py, without its lossy rules: every engagement and every manager is a row.
 */
import { JobSettingsError } from '../../orchestrator/job.js';
import { maxDepth, traverse, type ScopedUnit } from './org-tree.js';
import type { SnapshotData, Unit } from './snapshot-data.js';
import { date, dateCell, text, type Cell, type ColumnSpec, type ReportTable } from './table.js';

export const SHARED_FILES = {
  positions: 'Alle Stillinger OS2mo',
  managers: 'Alle Lederfunktioner OS2mo',
  structure: 'Organisationsstruktur og Stillinger OS2mo',
  units: 'Organisationsenheder OS2mo',
  payOrg: 'SDLønorganisation og P-Nummer OS2mo',
} as const;

/** The responsibility DIPEX put first in `Ansvar`. */
export const HIRING_RESPONSIBILITY = 'Personale: ansættelse/afskedigelse';

export interface SharedReportsConfig {
  orgName?: string;
  payOrgName?: string;
  includeCpr: boolean;
}

/** `root`, `org`, `sub org`, `2xsub org` … one header per level of the tree. */
export function pathHeaders(levels: number): string[] {
  return Array.from({ length: levels }, (_, i) =>
    i === 0 ? 'root' : i === 1 ? 'org' : i === 2 ? 'sub org' : `${i - 1}xsub org`,
  );
}

/** The root unit whose name contains `name` (exactly one), or every root when `name` is unset. */
export function findTop(data: SnapshotData, name: string | undefined, key: string): Unit[] {
  if (name === undefined) return data.roots;
  const matches = data.roots.filter((u) => u.name.includes(name));
  if (matches.length !== 1) {
    throw new JobSettingsError(
      key,
      `${matches.length} root units have a name containing "${name}"; exactly one must`,
    );
  }
  return matches;
}

function pathPart(scoped: ScopedUnit, levels: number): string[] {
  return Array.from({ length: levels }, (_, i) => scoped.path[i] ?? '');
}

function table(fileBase: string, columns: ColumnSpec[], rows: Cell[][], containsCpr = false): ReportTable {
  return { fileBase, sheet: fileBase.replace(/ OS2mo$/, ''), columns, rows, containsCpr };
}

export function buildSharedReports(data: SnapshotData, cfg: SharedReportsConfig): ReportTable[] {
  const org = traverse(data, findTop(data, cfg.orgName, 'reports.org_name'));
  const payTop = cfg.payOrgName ?? cfg.orgName;
  const pay = traverse(
    data,
    findTop(data, payTop, cfg.payOrgName ? 'reports.pay_org_name' : 'reports.org_name'),
  );
  const levels = maxDepth(org);
  const payLevels = maxDepth(pay);
  const a = data.address;
  const engagementsOf = (s: ScopedUnit) => data.engagementsByUnit.get(s.unit.uuid) ?? [];

  const positions: Cell[][] = [];
  const structure: Cell[][] = [];
  const managers: Cell[][] = [];
  for (const s of org) {
    for (const e of engagementsOf(s)) {
      const p = data.persons.get(e.personUuid);
      const email = a.personLastEmail.get(e.personUuid) ?? '';
      const phone = a.personLastPhone.get(e.personUuid) ?? '';
      positions.push([
        cfg.includeCpr ? (p?.cpr ?? '') : '',
        dateCell(e.startDate),
        dateCell(e.endDate),
        p?.givenName ?? '',
        p?.surname ?? '',
        e.personUuid,
        p?.userKey ?? '',
        s.unit.name,
        s.unit.uuid,
        email,
        phone,
        e.jobFunctionTitle,
        e.uuid,
      ]);
      structure.push([
        ...pathPart(s, levels),
        p?.name ?? '',
        p?.userKey ?? '',
        phone,
        email,
        a.unitFirstDar.get(s.unit.uuid) ?? '',
      ]);
    }
    for (const m of data.managersByUnit.get(s.unit.uuid) ?? []) {
      if (m.personUuid === null) continue;
      const ansvar = m.responsibilities.includes(HIRING_RESPONSIBILITY)
        ? HIRING_RESPONSIBILITY
        : (m.responsibilities.at(-1) ?? 'Intet ansvar');
      managers.push([
        ...pathPart(s, levels),
        ansvar,
        data.persons.get(m.personUuid)?.name ?? '',
        a.personLastPhone.get(m.personUuid) ?? '',
        a.personLastEmail.get(m.personUuid) ?? '',
      ]);
    }
  }
  const units = org.map((s): Cell[] => [
    s.unit.uuid,
    s.unit.name,
    s.unit.unitTypeUuid ?? '',
    dateCell(s.unit.startDate),
    dateCell(s.unit.endDate),
    s.unit.unitTypeTitle,
  ]);
  const payOrg = pay.map((s): Cell[] => [
    ...pathPart(s, payLevels),
    a.unitFirstDar.get(s.unit.uuid) ?? '',
    a.unitFirstPnumber.get(s.unit.uuid) ?? '',
  ]);
  const paths = pathHeaders(levels).map(text);
  return [
    table(
      SHARED_FILES.positions,
      [
        text('CPR-Nummer'),
        date('Ansættelse gyldig fra'),
        date('Ansættelse gyldig til'),
        ...[
          'Fornavn',
          'Efternavn',
          'Person UUID',
          'Brugernavn',
          'Org-enhed',
          'Org-enhed UUID',
          'E-mail',
          'Telefon',
        ].map(text),
        text('Stillingsbetegnelse'),
        text('Engagement UUID'),
      ],
      positions,
      cfg.includeCpr,
    ),
    table(SHARED_FILES.managers, [...paths, ...['Ansvar', 'Navn', 'Telefon', 'E-mail'].map(text)], managers),
    table(
      SHARED_FILES.structure,
      [...paths, ...['Navn', 'Brugernavn', 'Telefon', 'E-mail', 'Adresse'].map(text)],
      structure,
    ),
    table(
      SHARED_FILES.units,
      [
        text('uuid'),
        text('Navn'),
        text('Enhedtype UUID'),
        date('Gyldig fra'),
        date('Gyldig til'),
        text('Enhedstype Titel'),
      ],
      units,
    ),
    table(
      SHARED_FILES.payOrg,
      [...pathHeaders(payLevels).map(text), text('Adresse'), text('P-nummer')],
      payOrg,
    ),
  ];
}
