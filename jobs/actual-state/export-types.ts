/** Times the exporters write into the target's `kvittering` row (local timestamps, as DIPEX). */
export interface ExportTimes {
  /** When MO was queried: the snapshot's own `kvittering.query_tid`. */
  queryTid: string;
  /** When this export started. */
  startLeveringTid: string;
  /** Now, for `slut_levering_tid`. */
  now(): string;
}
