/**
 * Observers the engine attaches to every run besides history: Prometheus pushgateway and e-mail alerts
 * (issue 3). Each is enabled by its own settings and never fails or blocks a run; a bad setting disables
 * only that observer, with one warning naming the key.
 */
import os from 'node:os';
import type { Logger } from 'winston';
import type { RunObserver } from './events.js';
import type { Settings } from './settings-store.js';
import { allSpecs } from './all-jobs.js';
import { makeRedactor, secretValues } from './redact.js';
import { timezoneSpec } from './runner-settings.js';
import { PushgatewayObserver } from './metrics/pushgateway.js';
import { metricsGroupingSpec, metricsSettings, promApiSpec } from './metrics/settings.js';
import { EmailAlertObserver } from './notify/email-observer.js';
import {
  municipalityNameSpec,
  notifyFromSpec,
  notifyOnSpec,
  notifySettings,
  notifySmtpUrlSpec,
  notifyTimeoutSpec,
  notifyToSpec,
} from './notify/settings.js';

/** Passwords inside URL settings, which the whole-value redaction would not catch on their own. */
function urlPasswords(settings: Settings): string[] {
  const out: string[] = [];
  for (const key of [notifySmtpUrlSpec.key, promApiSpec.key]) {
    const v = settings.get(key);
    if (typeof v !== 'string') continue;
    try {
      const pass = decodeURIComponent(new URL(v).password);
      if (pass.length >= 4) out.push(pass);
    } catch {
      // not a URL: validation reports it
    }
  }
  return out;
}

export function defaultObservers(settings: Settings, logger: Logger): RunObserver[] {
  const observers: RunObserver[] = [];
  const attempt = (what: string, build: () => RunObserver | undefined) => {
    try {
      const o = build();
      if (o) observers.push(o);
    } catch (err) {
      logger.warn(`${what} disabled: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  };
  attempt('prometheus metrics', () => {
    if (!settings.has(promApiSpec.key) || settings.get(promApiSpec.key) === '') return undefined;
    return new PushgatewayObserver({
      baseUrl: settings.value(promApiSpec),
      grouping: settings.value(metricsGroupingSpec),
      logger,
    });
  });
  attempt('e-mail alerts', () => {
    if (!settings.has(notifyToSpec.key) || settings.get(notifyToSpec.key) === '') return undefined;
    const secrets = [
      ...secretValues(settings, [...allSpecs(), ...notifySettings, ...metricsSettings]),
      ...urlPasswords(settings),
    ].sort((a, b) => b.length - a.length);
    return new EmailAlertObserver({
      to: settings.value(notifyToSpec),
      from: settings.value(notifyFromSpec),
      smtpUrl: settings.value(notifySmtpUrlSpec),
      on: settings.value(notifyOnSpec),
      timeoutMs: settings.value(notifyTimeoutSpec),
      municipality: settings.value(municipalityNameSpec) ?? os.hostname(),
      timeZone: settings.value(timezoneSpec),
      redact: makeRedactor(secrets),
      logger,
    });
  });
  return observers;
}
