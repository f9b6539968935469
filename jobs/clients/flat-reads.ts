/**
 * The flat-read rule (docs/mo-client.md): no GraphQL document nests a filtered collection (a field with a
 * `filter:` argument) under a paged root list. MO resolves such a field once per object of the page, so a
 * 30,000-person read becomes 30,000 lookups inside MO; one flat paged read of the collection, filtered once and
 * joined by UUID in the job, serves instead.
 */
import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GqlDocument } from './gql.js';

/** A root field is a paged list when it takes `limit` or `cursor`. */
function isPaged(field: FieldNode): boolean {
  return (field.arguments ?? []).some((a) => a.name.value === 'limit' || a.name.value === 'cursor');
}

type Fragments = Map<string, FragmentDefinitionNode>;

function nestedFiltered(
  set: SelectionSetNode | undefined,
  trail: string[],
  out: string[],
  fragments: Fragments,
): void {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.INLINE_FRAGMENT) nestedFiltered(sel.selectionSet, trail, out, fragments);
    if (sel.kind === Kind.FRAGMENT_SPREAD)
      nestedFiltered(fragments.get(sel.name.value)?.selectionSet, trail, out, fragments);
    if (sel.kind !== Kind.FIELD) continue;
    const name = sel.alias ? `${sel.alias.value}: ${sel.name.value}` : sel.name.value;
    const path = [...trail, name];
    if ((sel.arguments ?? []).some((a) => a.name.value === 'filter'))
      out.push(`${path.join('.')}(filter: …)`);
    nestedFiltered(sel.selectionSet, path, out, fragments);
  }
}

/** Paths of the filtered collections nested under a paged root list, e.g. `page: persons.objects.current.itusers(filter: …)`. */
export function filteredCollectionsUnderPagedLists(doc: GqlDocument): string[] {
  const out: string[] = [];
  const definitions = parse(doc.source).definitions;
  const fragments: Fragments = new Map(
    definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  for (const def of definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const root of def.selectionSet.selections) {
      if (root.kind !== Kind.FIELD || !isPaged(root)) continue;
      const name = root.alias ? `${root.alias.value}: ${root.name.value}` : root.name.value;
      nestedFiltered(root.selectionSet, [name], out, fragments);
    }
  }
  return out;
}
