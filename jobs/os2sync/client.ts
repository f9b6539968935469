/** The OS2sync client as the night and `job-runner listen` create it from the configuration: one place. */
import { createOs2syncClient, type Os2syncClient } from '../clients/os2sync.js';
import type { Os2syncConfig } from './config.js';

export function os2syncClientFor(
  cfg: Os2syncConfig,
  signal: AbortSignal,
  log: { warn(message: string): unknown },
): Os2syncClient {
  return createOs2syncClient({
    baseUrl: cfg.apiUrl,
    cvr: cfg.cvr,
    apiKey: cfg.apiKey,
    caVerify: cfg.caVerifyOs2sync,
    timeoutMs: cfg.timeoutMs,
    retry: cfg.retry,
    signal,
    onRetry: (what, e, n, d) =>
      log.warn(`OS2sync ${what}: ${e.message}; retry ${n} in ${Math.round(d / 100) / 10}s`),
  });
}
