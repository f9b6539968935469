/**
 * Writes report tables to files (temp file in the same directory, then rename) and hands each finished file
 * to the uploader. A file holding CPR numbers is created 0600; a failed write leaves no half-written file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../../orchestrator/atomic-write.js';
import { writeCsv } from './csv-writer.js';
import type { ReportTable } from './table.js';
import { EXCEL_MAX_CELL_CHARS, writeXlsx } from './xlsx-writer.js';

export type ReportFormat = 'csv' | 'xlsx';

/** Uploads one finished file to MO's file store under its file name. */
export type Uploader = (fileName: string, content: Buffer) => Promise<void>;

export interface OutputOptions {
  dir: string;
  formats: readonly ReportFormat[];
  upload?: Uploader;
  signal?: AbortSignal;
  /** Told what an operator should know about a file written (e.g. cells cut to Excel's limit). */
  warn?: (message: string) => void;
}

/** Writes one table in every format; returns the absolute paths written. */
export async function writeReport(table: ReportTable, opts: OutputOptions): Promise<string[]> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
  const mode = table.containsCpr ? 0o600 : 0o640;
  const written: string[] = [];
  for (const format of opts.formats) {
    opts.signal?.throwIfAborted();
    const target = path.join(opts.dir, `${table.fileBase}.${format}`);
    // the temp file is created with its final mode, so CPR numbers never sit in a world-readable file
    const cut = await writeAtomically(
      target,
      async (tmp) => {
        if (format === 'xlsx') return (await writeXlsx(table, tmp, opts.signal)).cellsCut;
        writeCsv(table, tmp);
        return 0;
      },
      { mode },
    );
    if (cut > 0) {
      opts.warn?.(
        `${path.basename(target)}: ${cut} ${cut === 1 ? 'cell is' : 'cells are'} longer than Excel's limit of ` +
          `${EXCEL_MAX_CELL_CHARS.toLocaleString('en')} characters; the sheet holds ${cut === 1 ? 'it' : 'them'} cut to it` +
          (opts.formats.includes('csv') ? ', the CSV whole' : ''),
      );
    }
    written.push(target);
  }
  return written;
}

/** Uploads the written files, one after another (MO's file store is not built for parallel uploads). */
export async function uploadReports(files: string[], upload: Uploader, signal?: AbortSignal): Promise<void> {
  for (const file of files) {
    signal?.throwIfAborted();
    await upload(path.basename(file), fs.readFileSync(file));
  }
}
