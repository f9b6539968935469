/**
 * MO's paging: with a `limit`, `page_info.next_cursor` is null only on the empty page after the last one
 * (an empty first page still returns a cursor); without a limit everything comes at once and the cursor
 * is null. Cursors are opaque strings.
 */
export interface PageArgs {
  limit?: number | null;
  cursor?: string | null;
}

export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset, v: 1 })).toString('base64');
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // fall through
  }
  throw new Error('Invalid cursor');
}

/**
 * One page. With `short`, pages hold between 1 and `limit` objects (MO documents that a caller "may receive a
 * shorter list … compared to the expected per the limit argument"); clients must page on until the cursor is null.
 */
export function page<T>(
  items: T[],
  args: PageArgs,
  short = false,
): { items: T[]; next_cursor: string | null } {
  const offset = args.cursor ? decodeCursor(args.cursor) : 0;
  if (args.limit === null || args.limit === undefined)
    return { items: items.slice(offset), next_cursor: null };
  if (args.limit < 0) throw new Error('limit must be a non-negative integer');
  const size =
    short && args.limit > 1 ? 1 + ((Math.imul(offset + 1, 0x9e3779b1) >>> 0) % args.limit) : args.limit;
  const slice = items.slice(offset, offset + size);
  const next_cursor = slice.length === 0 && args.cursor ? null : encodeCursor(offset + slice.length);
  return { items: slice, next_cursor };
}
