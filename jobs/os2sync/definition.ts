import type { JobDefinition } from '../../orchestrator/job.js';
import { toggleOn } from '../../orchestrator/setting-spec.js';
import { moClientSettings } from '../clients/mo-settings.js';
import { hashCachePath } from './config.js';
import { os2syncSettings } from './settings.js';
import { listenSettings } from './listen/settings.js';

const isAuto = (v: unknown): boolean =>
  v === undefined || (typeof v === 'string' && v.toLowerCase() === 'auto');

export const exportsOs2sync: JobDefinition = {
  name: 'exports_os2sync',
  stage: 'export',
  toggle: ['crontab.RUN_OS2SYNC'],
  description: 'MO → OS2sync → FK Organisation (only changed objects, via a hash cache)',
  needs: (s) => (toggleOn(s.get('os2sync.use_lc_db')) ? ['exports_cache_loracache'] : []),
  // use_lc_db "auto" (the default): read the snapshot when it was built earlier in this run
  uses: (s) => (isAuto(s.get('os2sync.use_lc_db')) ? ['exports_cache_loracache'] : []),
  settings: [
    ...os2syncSettings,
    ...moClientSettings.filter((m) => !os2syncSettings.some((o) => o.key === m.key)),
    ...listenSettings,
  ],
  validate: async (s, paths) => void (await import('./checked-config.js')).checkedConfig(s, paths),
  stateFiles: (s, paths) => [hashCachePath(s, paths)],
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
