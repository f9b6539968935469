/** The production tick source: node-cron, once a minute at second 0. */
import cron from 'node-cron';
import type { Ticker } from './daemon.js';

export function nodeCronTicker(timeZone: string): Ticker {
  return {
    start(onTick) {
      const task = cron.schedule('* * * * *', () => onTick(), {
        timezone: timeZone,
        name: 'job-runner-schedule-tick',
        suppressMissedWarning: true,
      });
      return { stop: () => void task.destroy() };
    },
  };
}
