import { formatPath, type PathSegment } from './diagnostics';

/**
 * What a valid input value is, decided once and applied wherever input enters (gateway bodies, path
 * and query parameters, YAML documents, stream entries): strings hold no NUL and no unpaired UTF-16
 * surrogate (Postgres text and jsonb cannot store either, and a surrogate half is not text), and
 * nesting stays within a depth limit (deeper values overflow the stack of recursive code such as
 * JSON.stringify). Byte-level UTF-8 validity is checked where bytes arrive (HTTP bodies, the stream).
 */
export const MAX_INPUT_DEPTH = 64;

export type InputProblemCode = 'INVALID_STRING' | 'DEPTH_LIMIT';

export interface InputProblem {
  code: InputProblemCode;
  /** Where in the value: `payload.items[3].name`; empty for the value itself. */
  path: string;
  message: string;
}

/** Why a string is not valid text, or null. */
export function stringProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (!isWellFormed(s)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
  return null;
}

function isWellFormed(s: string): boolean {
  const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === 'function') return native.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/**
 * The first problem in a parsed value (strings and keys, depth), or null. Iterative, so a value
 * nested far beyond the limit is refused without recursing into it.
 */
export function findInputProblem(value: unknown, opts: { maxDepth?: number; path?: PathSegment[] } = {}): InputProblem | null {
  const maxDepth = opts.maxDepth ?? MAX_INPUT_DEPTH;
  const stack: { v: unknown; path: PathSegment[]; depth: number }[] = [{ v: value, path: opts.path ?? [], depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = stringProblem(v);
      if (why) return { code: 'INVALID_STRING', path: formatPath(path), message: why };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) {
      return { code: 'DEPTH_LIMIT', path: formatPath(path), message: `nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i], depth: depth + 1 });
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const why = stringProblem(key);
        if (why) return { code: 'INVALID_STRING', path: formatPath([...path, key]), message: `key ${why}` };
        stack.push({ v: (v as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
      }
    }
  }
  return null;
}

/** `2024-02-30` is not a date: the date part must survive a round trip through the calendar. */
export function isValidIsoDateTime(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value.trim());
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return false;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return false;
  return !Number.isNaN(Date.parse(value));
}
