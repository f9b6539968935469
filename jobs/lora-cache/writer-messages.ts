/** What crosses between the build's fetch thread and its writer thread (writer-thread.ts, writer-worker.ts). */
import type { Entity } from './queries.js';
import type { SnapshotMode } from './paths.js';
import type { SnapshotMetadata } from './writer.js';

/** The writer thread's `workerData`: everything it needs to map and write, fixed for the whole build. */
export interface WriterSetup {
  mode: SnapshotMode;
  target: string;
  today: string;
  exportCpr: boolean;
  resolveDar: boolean;
  primaryManagerResponsibility: string | null;
}

/** Fetch thread → writer thread, processed strictly in the order sent. */
export type ToWriter =
  /** The root organisation's UUID (units whose parent it is are root units). */
  | { type: 'root'; uuid: string | null }
  /** One page of `entity`: MO's response body (UTF-8; its memory transferred, not copied), parsed in the writer thread. */
  | { type: 'page'; entity: Entity; body: Uint8Array }
  /** Every page of `entity` has been sent: its indexes can be built. */
  | { type: 'done'; entity: Entity }
  /** Facets, classes and IT systems are complete: the class tables are written. */
  | { type: 'classes-done' }
  /** Everything was sent: metadata, indexes, rename into place. `slutLeveringTid` is taken when it starts. */
  | {
      type: 'finish';
      meta: Omit<SnapshotMetadata, 'kvittering'> & {
        kvittering: { queryTid: string; startLeveringTid: string };
      };
      timeZone: string;
    };

/** Writer thread → fetch thread. */
export type FromWriter =
  /** A page is written: its objects (the fetch thread does not parse pages), all rows written so far. */
  | { type: 'page-written'; entity: Entity; objects: number; bytes: number; totalRows: number }
  | {
      type: 'finished';
      rowCounts: Record<string, number>;
      warnings: string[];
      writeMs: number;
    }
  /** The first failure; the writer has discarded its temp file and processes nothing more. */
  | { type: 'failed'; message: string };
