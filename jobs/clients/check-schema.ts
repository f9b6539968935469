/** `job-runner check-schema` (issue 4). Placeholder until the MO client lands. */
import type { Settings } from '../../orchestrator/settings-store.js';

export interface CheckSchemaOptions {
  /** Path of a schema SDL file. */
  schema?: string;
  /** MO base URL whose live schema is fetched (with the configured credentials). */
  moUrl?: string;
  settings: Settings;
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
}

/** Resolves with the exit code: 0 all valid, 1 any invalid, 2 usage error. */
export async function runCheckSchema(opts: CheckSchemaOptions): Promise<number> {
  opts.out('check-schema: no queries defined yet');
  return 0;
}
