/** A bare GraphQL POST for the emulator's own tests (the project's MO client lives in jobs/clients). */
export interface GqlReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function gql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  signal?: AbortSignal,
): Promise<GqlReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}

/** Fetch every page of a root field; returns the objects and the number of requests. */
export async function fetchAll(
  url: string,
  root: string,
  selection: string,
  limit: number,
  filter?: Record<string, unknown>,
): Promise<{ objects: Array<Record<string, unknown>>; requests: number }> {
  const query = `query Page($limit: int, $cursor: Cursor, $filter: ${FILTER_TYPES[root]}) {
    ${root}(limit: $limit, cursor: $cursor, filter: $filter) { objects { ${selection} } page_info { next_cursor } }
  }`;
  const objects: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let requests = 0;
  do {
    const reply = await gql(url, query, { limit, cursor, filter: filter ?? null });
    requests += 1;
    if (reply.body?.errors) throw new Error(JSON.stringify(reply.body.errors));
    const page = reply.body.data[root];
    objects.push(...page.objects);
    cursor = page.page_info.next_cursor;
    if (requests > 100000) throw new Error('paging does not end');
  } while (cursor !== null);
  return { objects, requests };
}

const FILTER_TYPES: Record<string, string> = {
  org_units: 'OrganisationUnitFilter',
  persons: 'EmployeeFilter',
  employees: 'EmployeeFilter',
  engagements: 'EngagementFilter',
  managers: 'ManagerFilter',
  addresses: 'AddressFilter',
  itusers: 'ITUserFilter',
  itsystems: 'ITSystemFilter',
  classes: 'ClassFilter',
  facets: 'FacetFilter',
  kles: 'KLEFilter',
  associations: 'AssociationFilter',
  leaves: 'LeaveFilter',
  related_units: 'RelatedUnitFilter',
};
