import type { JobDefinition } from '../../orchestrator/job.js';
import { toggleOn } from '../../orchestrator/setting-spec.js';
import { notBuilt } from '../not-built.js';

export const exportsOs2sync: JobDefinition = {
  name: 'exports_os2sync',
  stage: 'export',
  toggle: ['crontab.RUN_OS2SYNC'],
  description: 'MO → OS2sync → FK Organisation (only changed objects, via a hash cache)',
  needs: (s) => (toggleOn(s.get('os2sync.use_lc_db')) ? ['exports_cache_loracache'] : []),
  load: notBuilt('exports_os2sync'),
};
