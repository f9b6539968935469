/** Settings of `job-runner schedule` besides `runner.schedule` and `runner.timezone` (runner-settings.ts). */
import { durationSchema, setting, type SettingSpec } from '../setting-spec.js';

export const catchUpSpec = setting<number>({
  key: 'runner.catch_up',
  schema: durationSchema,
  type: 'duration',
  default: 6 * 3600 * 1000,
  description:
    'When the schedule daemon starts and the most recent scheduled night within this window has no run in history, ' +
    'it runs one night at once. `0` disables the catch-up.',
});

export const scheduleSettings: SettingSpec[] = [catchUpSpec] as SettingSpec[];
