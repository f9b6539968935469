/** The sanity check's rows from MO: every class (with its facet) and every person's CPR number, paged. */
import type { MoClient } from '../clients/mo.js';
import type { DuplicateFinder } from './findings.js';
import { sanityClasses, sanityPersons } from './queries.js';

interface ClassObject {
  current: { uuid: string; user_key: string; facet_response: { uuid: string } } | null;
}
interface PersonObject {
  current: { uuid: string; cpr_number: string | null } | null;
}

export async function readFromMo(
  client: MoClient,
  finder: DuplicateFinder,
  progress: (done: number, what: string) => void,
): Promise<void> {
  for await (const page of client.paged<ClassObject>(sanityClasses)) {
    for (const { current } of page)
      if (current)
        finder.addClass({
          uuid: current.uuid,
          userKey: current.user_key,
          facet: current.facet_response.uuid,
        });
    progress(finder.classTotal, 'classes');
  }
  for await (const page of client.paged<PersonObject>(sanityPersons)) {
    for (const { current } of page)
      if (current) finder.addPerson({ uuid: current.uuid, cpr: current.cpr_number });
    progress(finder.personTotal, 'persons');
  }
}
