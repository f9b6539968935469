import type { JobDefinition } from '../../orchestrator/job.js';
import { os2phonebookSettings } from './settings.js';

export const exportsOs2phonebookExport: JobDefinition = {
  name: 'exports_os2phonebook_export',
  stage: 'export',
  toggle: ['crontab.RUN_EXPORTS_OS2MO_PHONEBOOK'],
  description:
    'Employees and units with their addresses → OS2phonebook (two full loads; empty loads refused)',
  needs: () => ['exports_cache_loracache'],
  settings: os2phonebookSettings,
  isolated: { module: new URL('./run.js', import.meta.url).href },
  load: () => import('./run.js'),
};
