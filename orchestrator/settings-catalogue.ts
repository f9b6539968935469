/**
 * Runner-level settings declared outside the engine (observers, schedule daemon), gathered so env
 * overrides, redaction, `check` and docs/settings.md see them. Cheap to import: specs only.
 */
import type { SettingSpec } from './setting-spec.js';
import { runnerSettings } from './runner-settings.js';
import { metricsSettings } from './metrics/settings.js';
import { notifySettings } from './notify/settings.js';
import { scheduleSettings } from './scheduler/settings.js';

/** Groups of runner-level keys, in documentation order. */
export const runnerSettingGroups: { title: string; specs: readonly SettingSpec[] }[] = [
  { title: 'Runner', specs: runnerSettings },
  { title: 'Schedule daemon', specs: scheduleSettings },
  { title: 'Prometheus metrics', specs: metricsSettings },
  { title: 'E-mail alerts', specs: notifySettings },
];

/** Runner keys declared by observers and the schedule daemon (validated by `check`, not a reason to refuse a run). */
export const operationsSettings: SettingSpec[] = [...scheduleSettings, ...metricsSettings, ...notifySettings];
