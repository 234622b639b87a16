import { DIAGNOSTIC_CODES, type PathSegment } from '../diagnostics';
import { describe, fieldChecksOf, isPlainObject } from './checks';

export interface SectionIssue {
  path: PathSegment[];
  code: string;
  message: string;
}

export interface SectionResult {
  /** The input's own entries, without null "absent" values and without unknown keys. */
  value: Record<string, unknown>;
  /** Properties that failed (their nested sections are not walked further). */
  invalid: Set<string>;
  issues: SectionIssue[];
}

/** The properties a section class declares (its `@Field`s, inherited ones included). */
export function knownKeys(model: new () => object): string[] {
  return [...fieldChecksOf(model).keys()];
}

/** Edit distance counting a swap of two neighbours as one edit (`nmae` → `name`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** `; did you mean "languages"?` for a near miss, else the list of allowed keys. */
export function unknownKeyHint(key: string, allowed: string[]): string {
  const close = allowed.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  if (close && close[1] <= Math.max(1, Math.floor(key.length / 4))) return `; did you mean "${close[0]}"?`;
  return allowed.length ? `; allowed keys: ${allowed.join(', ')}` : '';
}

/**
 * Validates one mapping against a decorated section class (unknown keys are errors). Nested sections
 * are validated by the caller with their own class, so every issue gets an exact path.
 */
export function validateSection(model: new () => object, input: unknown, path: PathSegment[], noun = 'a mapping'): SectionResult {
  const issues: SectionIssue[] = [];
  const value: Record<string, unknown> = {};
  const invalid = new Set<string>();
  if (!isPlainObject(input)) {
    issues.push({ path, code: DIAGNOSTIC_CODES.invalidValue, message: `must be ${noun}, not ${describe(input)}` });
    return { value, invalid: new Set(['*']), issues };
  }
  const checks = fieldChecksOf(model);
  for (const key of Object.keys(input)) {
    if (!checks.has(key)) {
      issues.push({ path: [...path, key], code: DIAGNOSTIC_CODES.unknownKey, message: `unknown key "${key}"${unknownKeyHint(key, [...checks.keys()])}` });
    }
  }
  for (const [key, evaluate] of checks) {
    // Own entries only: `__proto__` or `constructor` in the input is an unknown key, never a field.
    const entry = Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
    const problem = evaluate(entry);
    if (problem) {
      invalid.add(key);
      issues.push({ path: [...path, key], code: problem.code ?? DIAGNOSTIC_CODES.invalidValue, message: problem.message });
    }
    if (entry !== undefined && entry !== null) value[key] = entry;
  }
  return { value, invalid, issues };
}
