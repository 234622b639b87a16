import type { Page } from './records';
import { type Row, UUID_RE } from './sql';
import { StoreError } from './store-error';

/** Keyset position: the sort timestamp exactly as Postgres printed it (microseconds) and the row id. */
export interface CursorKey {
  at: string;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === 'string')) {
      const [at, id] = parsed as [string, string];
      if (!Number.isNaN(Date.parse(at)) && UUID_RE.test(id)) return { at, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new StoreError('INVALID', 'invalid cursor');
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StoreError('INVALID', `limit must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

/**
 * One page from rows fetched with LIMIT limit + 1 and a `sort_key` column: the extra row only says
 * there is more, and the last kept row is where the next page starts.
 */
export function keysetPage<T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last ? encodeCursor({ at: last.sort_key, id: last.id }) : null };
}
