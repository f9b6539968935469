/**
 * Reads sdlon's Prometheus metrics: the enum `sd_changed_at_state` (the label whose value is 1) and, where
 * the sdlon version has them, the start/end/last-success timestamps that tell this run from the previous one.
 */
export interface SdMetrics {
  state: string;
  /** Epoch ms; undefined when absent or 0. */
  startTime?: number;
  endTime?: number;
  lastSuccess?: number;
}

const STATE_LINE = /^sd_changed_at_state\{([^}]*)\}\s+(\S+)/;
const STATE_LABEL = /(?:^|,)\s*sd_changed_at_state="([^"]*)"/;

function gauge(lines: string[], names: string[]): number | undefined {
  for (const line of lines) {
    for (const name of names) {
      if (!line.startsWith(name)) continue;
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`).exec(line);
      if (!m) continue;
      const value = Number(m[1]);
      if (Number.isFinite(value) && value > 0) return value * 1000;
    }
  }
  return undefined;
}

/** Parses the exposition text; throws a one-line Error when no state has the value 1. */
export function parseSdMetrics(text: string): SdMetrics {
  const lines = text.split('\n').map((l) => l.trim());
  let state: string | undefined;
  for (const line of lines) {
    const m = STATE_LINE.exec(line);
    if (!m || Number(m[2]) !== 1) continue;
    state = STATE_LABEL.exec(m[1]!)?.[1];
    if (state !== undefined) break;
  }
  if (state === undefined) throw new Error('no sd_changed_at_state line has the value 1');
  return {
    state,
    startTime: gauge(lines, ['sd_changed_at_start_time']),
    endTime: gauge(lines, ['sd_changed_at_end_time']),
    lastSuccess: gauge(lines, ['dipex_last_success_timestamp_seconds', 'dipex_last_success_timestamp']),
  };
}
