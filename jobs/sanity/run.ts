/**
 * sanity_check_mo_data (informational): duplicate class user_keys within a facet (case-insensitive) and
 * duplicate CPR numbers among persons. Reports counts and the offending UUIDs, never CPR numbers.
 * Reads this night's actual-state snapshot when `exports_cache_loracache` succeeded earlier in the run (and holds
 * CPR numbers), MO otherwise: the findings are the same either way.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { connectMo } from '../clients/connect-mo.js';
import { oneLine } from '../clients/one-line.js';
import { nightSnapshotWithCpr } from '../lora-cache/read.js';
import { DuplicateFinder } from './findings.js';
import { readFromMo } from './read-mo.js';
import { readFromSnapshot } from './read-snapshot.js';

/** Duplicate groups listed in full in the log; the rest are counted. */
const LIST_LIMIT = 50;

async function read(ctx: JobContext, finder: DuplicateFinder): Promise<string> {
  const snapshot = nightSnapshotWithCpr(ctx);
  if (snapshot) {
    try {
      readFromSnapshot(snapshot.db, finder);
      return `snapshot ${snapshot.path}`;
    } finally {
      snapshot.close();
    }
  }
  const client = await connectMo({
    settings: ctx.settings,
    env: ctx.env,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  try {
    await readFromMo(client, finder, (done, what) => ctx.progress(done, undefined, what));
    return 'MO';
  } finally {
    client.close();
  }
}

export async function run(ctx: JobContext): Promise<JobResult> {
  const finder = new DuplicateFinder();
  const source = await read(ctx, finder);
  ctx.logger.info(`read ${finder.classTotal} classes and ${finder.personTotal} persons from ${source}`);
  const classGroups = finder.classGroups();
  const cprGroups = finder.cprGroups();
  const warnings: string[] = [];
  classGroups.forEach((g, i) => {
    const line = `duplicate class user_key "${oneLine(g.userKey, 80)}" in facet ${g.facet}: classes ${g.uuids.join(', ')}`;
    if (i < LIST_LIMIT) ctx.logger.warn(line);
    warnings.push(line);
  });
  cprGroups.forEach((uuids, i) => {
    const line = `duplicate CPR number: persons ${uuids.join(', ')}`;
    if (i < LIST_LIMIT) ctx.logger.warn(line);
    warnings.push(line);
  });
  const more = warnings.length > 2 * LIST_LIMIT ? ` (log lists the first ${LIST_LIMIT} of each)` : '';
  const counters = {
    classes: finder.classTotal,
    persons: finder.personTotal,
    duplicate_class_user_keys: classGroups.length,
    classes_with_duplicate_user_key: classGroups.reduce((n, g) => n + g.uuids.length, 0),
    duplicate_cpr_numbers: cprGroups.length,
    persons_with_duplicate_cpr: cprGroups.reduce((n, g) => n + g.length, 0),
  };
  if (warnings.length === 0) {
    return {
      counters,
      message: `no duplicates among ${finder.classTotal} classes and ${finder.personTotal} persons`,
    };
  }
  const message =
    `${counters.duplicate_class_user_keys} duplicate class user_keys (${counters.classes_with_duplicate_user_key} classes), ` +
    `${counters.duplicate_cpr_numbers} duplicate CPR numbers (${counters.persons_with_duplicate_cpr} persons)${more}`;
  ctx.logger.warn(message);
  return { failed: true, message, counters, warnings: warnings.slice(0, 20) };
}
