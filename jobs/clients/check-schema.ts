/**
 * `job-runner check-schema`: validates every GraphQL document the project sends against a schema file or
 * the live MO's schema (introspection, with the configured credentials).
 * Exit codes: 0 all valid, 1 any invalid, 2 usage error or schema unavailable.
 */
import fs from 'node:fs';
import {
  GraphQLError,
  NoDeprecatedCustomRule,
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import type { Settings } from '../../orchestrator/settings-store.js';
import type { GqlDocument } from './gql.js';
import { oneLine } from './http.js';

export interface CheckSchemaOptions {
  /** Path of a schema SDL file. */
  schema?: string;
  /** MO base URL whose live schema is fetched (with the configured credentials). */
  moUrl?: string;
  settings: Settings;
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  /** List every use of a deprecated field (otherwise only their number is given). */
  verbose?: boolean;
  /** Documents to check instead of every document in jobs/queries-index.ts (tests). */
  documents?: readonly GqlDocument[];
}

/** Resolves with the exit code: 0 all valid, 1 any invalid, 2 usage error. */
export async function runCheckSchema(opts: CheckSchemaOptions): Promise<number> {
  const { out } = opts;
  if (opts.schema && opts.moUrl) {
    out('check-schema: give either --schema FILE or --mo-url URL, not both');
    return 2;
  }
  const loaded = opts.schema ? loadSchemaFile(opts.schema) : await fetchLiveSchema(opts);
  if ('error' in loaded) {
    out(`check-schema: ${loaded.error}`);
    return 2;
  }
  const documents = opts.documents ?? (await (await import('../queries-index.js')).loadAllQueries());
  let invalid = 0;
  let warnings = 0;
  for (const doc of documents) {
    const result = checkDocument(loaded.schema, doc);
    if (result.errors.length > 0) invalid++;
    for (const e of result.errors) out(`invalid  ${doc.area}/${doc.name}: ${e}`);
    warnings += result.warnings.length;
    if (opts.verbose) for (const w of result.warnings) out(`warning  ${doc.area}/${doc.name}: ${w}`);
  }
  const summary =
    invalid === 0
      ? `all ${documents.length} documents are valid`
      : `${invalid} of ${documents.length} documents are invalid`;
  out(
    `check-schema: ${summary} against ${loaded.source}${warnings ? ` (${warnings} uses of deprecated fields${opts.verbose ? '' : '; --verbose lists them'})` : ''}`,
  );
  return invalid > 0 ? 1 : 0;
}

/** Validation errors (and deprecation warnings) of one document; empty when valid. */
export function checkDocument(
  schema: GraphQLSchema,
  doc: GqlDocument,
): { errors: string[]; warnings: string[] } {
  let ast;
  try {
    ast = parse(doc.source);
  } catch (err) {
    return { errors: [oneLine(err instanceof GraphQLError ? err.message : String(err))], warnings: [] };
  }
  const errors = validate(schema, ast).map((e) => oneLine(e.message));
  const operations = ast.definitions.filter((d) => d.kind === 'OperationDefinition').length;
  if (operations !== 1) errors.push(`expected exactly one operation, found ${operations}`);
  const warnings = errors.length
    ? []
    : validate(schema, ast, [NoDeprecatedCustomRule]).map((e) => oneLine(e.message));
  return { errors, warnings };
}

function loadSchemaFile(file: string): { schema: GraphQLSchema; source: string } | { error: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      error:
        code === 'ENOENT' ? `schema file not found: ${file}` : `cannot read schema file ${file} (${code})`,
    };
  }
  try {
    return { schema: buildSchema(text), source: file };
  } catch (err) {
    return { error: `${file} is not a valid GraphQL schema: ${oneLine((err as Error).message, 200)}` };
  }
}

async function fetchLiveSchema(
  opts: CheckSchemaOptions,
): Promise<{ schema: GraphQLSchema; source: string } | { error: string }> {
  let settings = opts.settings;
  if (opts.moUrl) {
    if (!/^https?:\/\/[^\s]+$/.test(opts.moUrl))
      return { error: `--mo-url is not an http(s) URL: ${opts.moUrl}` };
    settings = settings.with({ 'mora.base': opts.moUrl });
  }
  const { createMoClient } = await import('./mo.js');
  let client;
  try {
    client = createMoClient({ settings, env: opts.env });
  } catch (err) {
    return { error: (err as Error).message };
  }
  const introspection: GqlDocument = {
    area: 'check-schema',
    name: 'IntrospectionQuery',
    source: getIntrospectionQuery(),
  };
  try {
    const data = await client.query<IntrospectionQuery>(introspection);
    return { schema: buildClientSchema(data), source: client.endpoint };
  } catch (err) {
    return {
      error: `cannot fetch MO's schema from ${client.endpoint}: ${oneLine((err as Error).message, 200)}`,
    };
  } finally {
    client.close();
  }
}
