import type { JobDefinition } from '../../orchestrator/job.js';
import { notBuilt } from '../not-built.js';

export const preBackup: JobDefinition = {
  name: 'pre_backup',
  stage: 'pre',
  toggle: ['crontab.CRON_BACKUP'],
  description: 'Back up run-db files and guard against a stale database snapshot before the imports',
  load: notBuilt('pre_backup'),
};

export const postBackup: JobDefinition = {
  name: 'post_backup',
  stage: 'post',
  toggle: ['crontab.CRON_BACKUP'],
  description: 'Archive state files (hash caches, CPR maps) after every other job has ended; retention',
  load: notBuilt('post_backup'),
};
