import type { JobDefinition } from '../../orchestrator/job.js';
import { toggleOn } from '../../orchestrator/setting-spec.js';
import type { Settings } from '../../orchestrator/settings-store.js';
import { moClientSettings } from '../clients/mo-settings.js';

const TOGGLE = 'crontab.RUN_MO_DATA_SANITY_CHECK';

/**
 * DIPEX's default: on unless the toggle says otherwise. Unset counts as on only when `mora.base` is set, since
 * a runner with no MO configured (command jobs only) has nothing to check.
 */
function sanityEnabled(s: Settings): boolean {
  const v = s.get(TOGGLE);
  if (v === undefined || v === null || v === '') return s.has('mora.base');
  return toggleOn(v);
}

/**
 * `post`, not DIPEX's pre-imports: it reads this night's snapshot (MO is read once a night), so it starts as soon as
 * the snapshot job has ended (`uses`), beside the exports and reports; a post job never waits for another job to
 * succeed, so it still runs (reading MO) on a night whose imports or snapshot failed, as DIPEX's check always did.
 */
export const sanityCheckMoData: JobDefinition = {
  name: 'sanity_check_mo_data',
  stage: 'post',
  toggle: [TOGGLE],
  description: 'Informational: duplicate class user_keys within a facet, duplicate CPR numbers',
  informational: true,
  enabled: sanityEnabled,
  uses: () => ['exports_cache_loracache'],
  settings: moClientSettings,
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
