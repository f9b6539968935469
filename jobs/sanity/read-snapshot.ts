/**
 * The sanity check's rows from this night's actual-state snapshot: `klasser` and `brugere` hold what the MO
 * queries read (every class and person valid now, `current`), so the findings are the same without a request.
 */
import type { Database } from 'better-sqlite3';
import type { DuplicateFinder } from './findings.js';

export function readFromSnapshot(db: Database, finder: DuplicateFinder): void {
  const classes = db.prepare('SELECT uuid, bvn, facet_uuid FROM klasser').raw().iterate() as IterableIterator<
    [string, string, string | null]
  >;
  for (const [uuid, userKey, facet] of classes) finder.addClass({ uuid, userKey, facet: facet ?? '' });
  const persons = db.prepare('SELECT uuid, cpr FROM brugere').raw().iterate() as IterableIterator<
    [string, string | null]
  >;
  for (const [uuid, cpr] of persons) finder.addPerson({ uuid, cpr });
}
