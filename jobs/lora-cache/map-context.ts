/** What every mapper needs: the class catalogue, the dirty-data collector and the row sink. */
import type { ClassCatalogue, ClassPeriod } from './class-catalogue.js';
import type { DirtyData } from './dirty-data.js';
import type { SnapshotMode } from './paths.js';
import type { TableName } from './schema.js';

export type Row = Record<string, string | number | boolean | null | undefined>;

export interface RowSink {
  add(table: TableName, row: Row): void;
  /** A DAR address seen in `adresser`: `dar_adresser` gets one row per DAR uuid, the last name wins. */
  darAddress(darUuid: string, betegnelse: string | null): void;
}

export interface MapContext {
  mode: SnapshotMode;
  /** YYYY-MM-DD in runner.timezone. */
  today: string;
  classes: ClassCatalogue;
  dirty: DirtyData;
  sink: RowSink;
  exportCpr: boolean;
  /** `adresser.værdi` is MO's human-readable name (true) or the raw value (false). */
  resolveDar: boolean;
  /** A unit whose parent is this organisation is a root unit. */
  rootOrgUuid: string | null;
  primaryManagerResponsibility: string | null;
}

/**
 * A class lookup DIPEX made strict (a crash on null or unknown): here null plus one warning.
 * `whenNull` is the title written when the class is legitimately absent (`""` for optional classes);
 * omit it for required classes (a null is then dirty data).
 */
export function strictClass(
  ctx: MapContext,
  column: string,
  classUuid: string | null | undefined,
  date: string,
  objectUuid: string,
  whenNull?: string | null,
): ClassPeriod | null | undefined {
  if (!classUuid) {
    if (whenNull === undefined) ctx.dirty.note(`${column} is null`, objectUuid);
    return undefined;
  }
  const c = ctx.classes.at(classUuid, date);
  if (!c) ctx.dirty.note(`${column} refers to unknown class ${classUuid}`, objectUuid);
  return c ?? null;
}

/** Title of a required or optional strict class: the class's name, `whenNull` when unset, null when dirty. */
export function strictTitle(
  ctx: MapContext,
  column: string,
  classUuid: string | null | undefined,
  date: string,
  objectUuid: string,
  whenNull?: string | null,
): string | null {
  const c = strictClass(ctx, column, classUuid, date, objectUuid, whenNull);
  if (c === undefined) return whenNull ?? null;
  return c?.name ?? null;
}

/** Title of a lenient class (DIPEX fell back to the UUID when the class is unknown); null when unset. */
export function lenientTitle(
  ctx: MapContext,
  classUuid: string | null | undefined,
  date: string,
): string | null {
  if (!classUuid) return null;
  return ctx.classes.at(classUuid, date)?.name ?? classUuid;
}

/**
 * IT users' and associations' primary flag: true for the class with user_key `primary`, false for another
 * primary class, null without one.
 */
export function primaryBoolean(
  ctx: MapContext,
  column: string,
  primaryUuid: string | null | undefined,
  date: string,
  objectUuid: string,
): boolean | null {
  if (!primaryUuid) return null;
  const c = ctx.classes.at(primaryUuid, date);
  if (!c) {
    ctx.dirty.note(`${column} refers to unknown primary class ${primaryUuid}`, objectUuid);
    return null;
  }
  return c.user_key === 'primary';
}
