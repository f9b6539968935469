/** Throws a one-line Error when `signal` is aborted (its reason may be a bare string such as 'timeout'). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  throw new Error(`stopped: ${typeof reason === 'string' ? reason : 'aborted'}`);
}
