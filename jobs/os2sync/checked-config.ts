/**
 * The job's configuration with its templates compiled: what `run` does first and what `check` runs (through
 * the definition's `validate`), so both refuse the same settings. Throws JobSettingsError naming the key.
 */
import type { JobPaths } from '../../orchestrator/job.js';
import { JobSettingsError } from '../../orchestrator/job.js';
import type { Settings } from '../../orchestrator/settings-store.js';
import { type Os2syncConfig, readConfig } from './config.js';
import { compileTemplates, TemplateSyntaxError } from './templates.js';

export function checkedConfig(
  settings: Settings,
  paths: Pick<JobPaths, 'cache' | 'root'>,
): { cfg: Os2syncConfig; templates: ReturnType<typeof compileTemplates> } {
  const cfg = readConfig(settings, paths);
  try {
    return { cfg, templates: compileTemplates(cfg.templates) };
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new JobSettingsError('os2sync.templates', err.message);
    throw err;
  }
}
