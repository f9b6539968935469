/**
 * The one colour helper (picocolors). Colour follows the output stream, not the process: on when it is a
 * TTY, off when `NO_COLOR` is set (non-empty, https://no-color.org), forced on by `FORCE_COLOR` (not `0`).
 */
import pc from 'picocolors';

export type Colours = ReturnType<typeof pc.createColors>;

export function colourWanted(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function coloursFor(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): Colours {
  return pc.createColors(colourWanted(stream, env));
}

/** The colour of a log level's name. */
export function levelColour(c: Colours, level: string): (s: string) => string {
  if (level === 'error') return c.red;
  if (level === 'warn') return c.yellow;
  if (level === 'info') return c.green;
  return c.dim;
}

/** The colour of a job status in tables. */
export function statusColour(c: Colours, status: string): (s: string) => string {
  if (status === 'succeeded') return c.green;
  if (status === 'failed' || status === 'timed_out') return c.red;
  if (status === 'running') return c.cyan;
  if (status === 'skipped' || status === 'cancelled') return c.yellow;
  return (s) => s;
}
