/** The one-line Error of an aborted `signal` (its reason may be a bare string such as 'timeout'). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(`stopped: ${typeof reason === 'string' ? reason : 'aborted'}`);
}

/** Throws a one-line Error when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
