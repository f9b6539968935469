/**
 * Writes report tables to files (temp file in the same directory, then rename) and hands each finished file
 * to the uploader. A file holding CPR numbers is created 0600; a failed write leaves no half-written file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeCsv } from './csv-writer.js';
import type { ReportTable } from './table.js';
import { writeXlsx } from './xlsx-writer.js';

export type ReportFormat = 'csv' | 'xlsx';

/** Uploads one finished file to MO's file store under its file name. */
export type Uploader = (fileName: string, content: Buffer) => Promise<void>;

export interface OutputOptions {
  dir: string;
  formats: readonly ReportFormat[];
  upload?: Uploader;
  signal?: AbortSignal;
}

function tempPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
}

async function writeAtomically(
  target: string,
  mode: number,
  write: (tmp: string) => Promise<void>,
): Promise<void> {
  const tmp = tempPath(target);
  try {
    // Create the temp file with its final mode first, so CPR numbers never sit in a world-readable file.
    fs.closeSync(fs.openSync(tmp, 'wx', mode));
    await write(tmp);
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes one table in every format; returns the absolute paths written. */
export async function writeReport(table: ReportTable, opts: OutputOptions): Promise<string[]> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
  const mode = table.containsCpr ? 0o600 : 0o640;
  const written: string[] = [];
  for (const format of opts.formats) {
    opts.signal?.throwIfAborted();
    const target = path.join(opts.dir, `${table.fileBase}.${format}`);
    await writeAtomically(target, mode, async (tmp) => {
      if (format === 'csv') writeCsv(table, tmp);
      else await writeXlsx(table, tmp, opts.signal);
    });
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
