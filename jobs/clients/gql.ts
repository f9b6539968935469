/**
 * Every GraphQL document the project sends is defined with `defineQuery` in a `queries.ts` module of its job
 * area, and every such module is listed in jobs/queries-index.ts, so `job-runner check-schema` finds them all.
 */
export interface GqlDocument {
  /** The operation name, used in error messages (never the variables: they can hold CPR numbers). */
  readonly name: string;
  /** The document source (one named operation, plus fragments). */
  readonly source: string;
  /** Module that defined it, for check-schema output. */
  readonly area: string;
}

// Kept on globalThis: a loader may instantiate this module twice (ESM and CJS copies under tsx), and
// check-schema must see every document whichever copy defined it.
const registryKey = Symbol.for('os2mo-job-runner.gql-documents');
const registry: GqlDocument[] = ((globalThis as Record<symbol, unknown>)[registryKey] ??=
  []) as GqlDocument[];

export function defineQuery(area: string, name: string, source: string): GqlDocument {
  const doc = Object.freeze({ area, name, source });
  registry.push(doc);
  return doc;
}

/** Every document defined so far (import jobs/queries-index.ts first to load them all). */
export function definedQueries(): readonly GqlDocument[] {
  return registry;
}
