/**
 * Reads the CPR map that exports_cpr_uuid writes, keeping only the MO uuid and the AD columns: the CPR column
 * is parsed and dropped at once, so no CPR number is held or passed on by its readers.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

export interface CprMapAccount {
  moUuid: string;
  adGuid: string;
  samAccountName: string;
}

/** Throws a one-line Error naming the file (and the job that writes it) when it is missing or malformed. */
export function readCprMapAccounts(file: string): CprMapAccount[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `CPR map ${file} does not exist; run exports_cpr_uuid first`
        : `CPR map ${file} cannot be read (${code ?? 'error'})`,
    );
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { bom: true, delimiter: ';', columns: true, skip_empty_lines: true }) as Record<
      string,
      string
    >[];
  } catch (err) {
    throw new Error(
      `CPR map ${file} is not a valid CSV file (${(err as { code?: string }).code ?? 'parse error'})`,
    );
  }
  if (rows.length > 0 && !('mo_uuid' in rows[0]!))
    throw new Error(`CPR map ${file} has no mo_uuid column; run exports_cpr_uuid again`);
  return rows.map((r) => ({
    moUuid: r.mo_uuid ?? '',
    adGuid: r.ad_guid ?? '',
    samAccountName: r.sam_account_name ?? '',
  }));
}
