/**
 * The composition of every job the runner knows: the catalogue (jobs/registry.ts) followed by the
 * operator's command jobs from `runner.jobs`. Definitions only; implementations load lazily.
 */
import { builtinJobs } from '../jobs/registry.js';
import { commandJobs } from '../jobs/command.js';
import type { JobDefinition } from './job.js';
import type { SettingSpec } from './setting-spec.js';
import type { Settings } from './settings-store.js';
import { runnerSettings } from './runner-settings.js';
import { operationsSettings } from './settings-catalogue.js';
import { loadSettings, type LoadSettingsOptions } from './settings.js';

export function allJobs(settings: Settings): JobDefinition[] {
  return [...builtinJobs, ...commandJobs(settings)];
}

/** Every declared settings key (runner, observers, schedule, catalogue jobs): env overrides, redaction, docs. */
export function allSpecs(jobs: readonly JobDefinition[] = builtinJobs): SettingSpec[] {
  const seen = new Set<string>();
  const out: SettingSpec[] = [];
  for (const spec of [...runnerSettings, ...operationsSettings, ...jobs.flatMap((j) => j.settings ?? [])]) {
    if (!seen.has(spec.key)) {
      seen.add(spec.key);
      out.push(spec);
    }
  }
  return out;
}

/** The toggle keys of the catalogue jobs (settable from the environment even when absent from the file). */
export function toggleKeys(jobs: readonly JobDefinition[] = builtinJobs): string[] {
  return [...new Set(jobs.flatMap((j) => j.toggle))];
}

/** loadSettings with every declared key and toggle settable from the environment (what the CLI uses). */
export function loadAllSettings(opts: Omit<LoadSettingsOptions, 'specs' | 'keys'>): Settings {
  return loadSettings({ ...opts, specs: allSpecs(), keys: toggleKeys() });
}
