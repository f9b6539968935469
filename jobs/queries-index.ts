/**
 * Loads every module that defines GraphQL documents, so check-schema can validate them all.
 * A new job area with a queries.ts adds one line here.
 */
import { definedQueries, type GqlDocument } from './clients/gql.js';

export async function loadAllQueries(): Promise<readonly GqlDocument[]> {
  const modules: string[] = [
    './clients/queries.js',
    './sanity/queries.js',
    './lora-cache/queries.js',
    './cpr-uuid/queries.js',
    './os2sync/queries.js',
    './os2sync/listen/queries.js',
    // e.g. './lora-cache/queries.js', './os2sync/queries.js', './sanity/queries.js', './reports/queries.js'
  ];
  for (const m of modules) await import(m);
  return definedQueries();
}
