/**
 * sanity_check_mo_data (informational): duplicate class user_keys within a facet (case-insensitive) and
 * duplicate CPR numbers among persons. Reports counts and the offending UUIDs, never CPR numbers.
 */
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { createMoClient, type MoClient } from '../clients/mo.js';
import { oneLine } from '../clients/http.js';
import { sanityClasses, sanityPersons } from './queries.js';

interface ClassObject {
  current: { uuid: string; user_key: string; facet_response: { uuid: string } } | null;
}
interface PersonObject {
  current: { uuid: string; cpr_number: string | null } | null;
}

/** Duplicate groups listed in full in the log; the rest are counted. */
const LIST_LIMIT = 50;

export async function run(ctx: JobContext): Promise<JobResult> {
  const client = createMoClient({
    settings: ctx.settings,
    env: ctx.env,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  try {
    const classes = await duplicateClasses(client, ctx);
    const persons = await duplicateCprs(client, ctx);
    const warnings: string[] = [];
    classes.groups.forEach((g, i) => {
      const line = `duplicate class user_key "${oneLine(g.userKey, 80)}" in facet ${g.facet}: classes ${g.uuids.join(', ')}`;
      if (i < LIST_LIMIT) ctx.logger.warn(line);
      warnings.push(line);
    });
    persons.groups.forEach((uuids, i) => {
      const line = `duplicate CPR number: persons ${uuids.join(', ')}`;
      if (i < LIST_LIMIT) ctx.logger.warn(line);
      warnings.push(line);
    });
    const more = warnings.length > 2 * LIST_LIMIT ? ` (log lists the first ${LIST_LIMIT} of each)` : '';
    const counters = {
      classes: classes.total,
      persons: persons.total,
      duplicate_class_user_keys: classes.groups.length,
      classes_with_duplicate_user_key: classes.groups.reduce((n, g) => n + g.uuids.length, 0),
      duplicate_cpr_numbers: persons.groups.length,
      persons_with_duplicate_cpr: persons.groups.reduce((n, g) => n + g.length, 0),
    };
    if (warnings.length === 0) {
      return {
        counters,
        message: `no duplicates among ${classes.total} classes and ${persons.total} persons`,
      };
    }
    const message =
      `${counters.duplicate_class_user_keys} duplicate class user_keys (${counters.classes_with_duplicate_user_key} classes), ` +
      `${counters.duplicate_cpr_numbers} duplicate CPR numbers (${counters.persons_with_duplicate_cpr} persons)${more}`;
    ctx.logger.warn(message);
    return { failed: true, message, counters, warnings: warnings.slice(0, 20) };
  } finally {
    client.close();
  }
}

async function duplicateClasses(client: MoClient, ctx: JobContext) {
  const byKey = new Map<string, { facet: string; userKey: string; uuids: string[] }>();
  let total = 0;
  for await (const page of client.paged<ClassObject>(sanityClasses)) {
    for (const { current } of page) {
      if (!current) continue;
      total++;
      const key = `${current.facet_response.uuid}\u0000${current.user_key.toLowerCase()}`;
      const entry = byKey.get(key);
      if (entry) entry.uuids.push(current.uuid);
      else
        byKey.set(key, {
          facet: current.facet_response.uuid,
          userKey: current.user_key,
          uuids: [current.uuid],
        });
    }
    ctx.progress(total, undefined, 'classes');
  }
  return { total, groups: [...byKey.values()].filter((g) => g.uuids.length > 1) };
}

async function duplicateCprs(client: MoClient, ctx: JobContext) {
  const byCpr = new Map<string, string[]>();
  let total = 0;
  for await (const page of client.paged<PersonObject>(sanityPersons)) {
    for (const { current } of page) {
      if (!current) continue;
      total++;
      const cpr = current.cpr_number?.replace(/\D/g, '');
      if (!cpr) continue;
      const uuids = byCpr.get(cpr);
      if (uuids) uuids.push(current.uuid);
      else byCpr.set(cpr, [current.uuid]);
    }
    ctx.progress(total, undefined, 'persons');
  }
  return { total, groups: [...byCpr.values()].filter((uuids) => uuids.length > 1) };
}
