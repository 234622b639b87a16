import { isEmail } from 'class-validator';
import { DIAGNOSTIC_CODES } from '../diagnostics';

/**
 * Field checks for the decorated section classes. Each property carries exactly one `@Field` so that
 * "required", "wrong type" and "bad value" come out as one precise message.
 */

/** Returns null when the value is fine, else the error; `code` defaults to INVALID_VALUE. */
export type Check = (value: unknown) => { code?: string; message: string } | null;

type Evaluate = (value: unknown) => { code?: string; message: string } | null;

/** Each section class's fields and their checks, by prototype (a class's own; see fieldChecksOf). */
const FIELD_CHECKS = new WeakMap<object, Map<string, Evaluate>>();
const resolvedChecks = new WeakMap<object, Map<string, Evaluate>>();

/**
 * The one decorator of a section property. `null` counts as absent (an empty YAML value) so an
 * optional `description:` with nothing after it is not an error.
 */
export function Field(check: Check, opts: { required?: boolean } = {}): PropertyDecorator {
  const evaluate: Evaluate = (value) => {
    if (value === undefined || value === null) {
      return opts.required ? { code: DIAGNOSTIC_CODES.required, message: 'required' } : null;
    }
    return check(value);
  };
  return (target, key) => {
    let own = FIELD_CHECKS.get(target);
    if (!own) FIELD_CHECKS.set(target, (own = new Map()));
    own.set(String(key), evaluate);
  };
}

/**
 * The fields of a section class with their checks, inherited ones first, in declaration order. The
 * checks are plain functions (validation runs on every event and every rendered step config, so no
 * reflection per call).
 */
export function fieldChecksOf(model: new () => object): Map<string, Evaluate> {
  let checks = resolvedChecks.get(model);
  if (!checks) {
    const chain: object[] = [];
    for (let proto = model.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) chain.unshift(proto);
    checks = new Map();
    for (const proto of chain) for (const [k, v] of FIELD_CHECKS.get(proto) ?? []) checks.set(k, v);
    resolvedChecks.set(model, checks);
  }
  return checks;
}

export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return `a ${typeof value}`;
}

const fail = (message: string, code?: string) => ({ message, code });

export const str =
  (opts: { nonEmpty?: boolean; max?: number; pattern?: RegExp; patternHint?: string } = {}): Check =>
  (v) => {
    if (typeof v !== 'string') return fail(`must be a string, not ${describe(v)}`);
    if (opts.nonEmpty !== false && v.trim() === '') return fail('must not be empty');
    if (opts.max !== undefined && v.length > opts.max) return fail(`must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(opts.patternHint ?? `must match ${opts.pattern}`);
    return null;
  };

/** Ids and versions: YAML turns `42` and `1.2` into numbers, which users mean as text. */
export const strOrNum: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) ? null : typeof v === 'string' ? str()(v) : fail(`must be a string or a number, not ${describe(v)}`);

export const bool: Check = (v) => (typeof v === 'boolean' ? null : fail(`must be true or false, not ${describe(v)}`));

export const int =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : fail(`must be a whole number from ${min} to ${max}`);

export const num =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? null : fail(`must be a number from ${min} to ${max}`);

let checkingRendered = false;

/**
 * Runs `fn` with template strings treated as plain values: a config that was rendered already holds
 * no templates, so a `{{` in it (copied from an event) must not pass a check as "a template".
 */
export function checkingRenderedValues<T>(fn: () => T): T {
  const previous = checkingRendered;
  checkingRendered = true;
  try {
    return fn();
  } finally {
    checkingRendered = previous;
  }
}

/** Whether the values being checked were rendered already. */
export function isCheckingRendered(): boolean {
  return checkingRendered;
}

/** A template string still to be rendered (never true while checking rendered values). */
export function isUnrenderedTemplate(v: unknown): v is string {
  return !checkingRendered && isTemplate(v);
}

/** A literal is checked by `check`; a template string is accepted and checked when rendered. */
export const orTemplate =
  (check: Check): Check =>
  (v) =>
    isUnrenderedTemplate(v) ? null : check(v);

export const oneOf =
  (values: readonly string[], noun: string): Check =>
  (v) => {
    if (typeof v !== 'string') return fail(`must be one of ${values.join(', ')}; got ${describe(v)}`);
    return values.includes(v) ? null : fail(`unknown ${noun} "${v}"; expected one of ${values.join(', ')}`);
  };

export const listOf =
  (item: Check, opts: { min?: number; itemNoun?: string } = {}): Check =>
  (v) => {
    if (!Array.isArray(v)) return fail(`must be a list, not ${describe(v)}`);
    if (opts.min && v.length < opts.min) return fail(opts.min === 1 ? 'must not be empty' : `must have at least ${opts.min} items`);
    for (let i = 0; i < v.length; i++) {
      const r = item(v[i]);
      if (r) return { code: r.code, message: opts.itemNoun ? r.message : `item ${i}: ${r.message}` };
    }
    return null;
  };

export const mapping: Check = (v) => (isPlainObject(v) ? null : fail(`must be a mapping, not ${describe(v)}`));

export const url =
  (protocols: readonly string[] = ['http:', 'https:']): Check =>
  (v) => {
    if (typeof v !== 'string') return fail(`must be a URL, not ${describe(v)}`);
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) return fail(`must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
      return null;
    } catch {
      return fail(`must be a URL; got "${v}"`);
    }
  };

export const emailAddress: Check = (v) =>
  typeof v === 'string' && isEmail(v.replace(/^.*<([^>]+)>\s*$/, '$1').trim()) ? null : fail(`not an email address: ${JSON.stringify(v)}`);

export const stringMap =
  (value: Check): Check =>
  (v) => {
    if (!isPlainObject(v)) return fail(`must be a mapping, not ${describe(v)}`);
    for (const [k, item] of Object.entries(v)) {
      const r = value(item);
      if (r) return fail(`"${k}": ${r.message}`, r.code);
    }
    return null;
  };

/** `unknown language "cobol"`: one item noun per list, the first bad item named. */
export const enumList =
  (values: readonly string[], noun: string): Check =>
  (v) => {
    if (!Array.isArray(v)) return fail(`must be a list of ${values.join(', ')}; got ${describe(v)}`);
    if (v.length === 0) return fail('must not be empty');
    for (const item of v) {
      if (isUnrenderedTemplate(item)) continue;
      if (typeof item !== 'string') return fail(`${noun}s must be strings; got ${describe(item)}`);
      if (!values.includes(item)) return fail(`unknown ${noun} "${item}"`);
    }
    const dup = v.find((item, i) => v.indexOf(item) !== i);
    return dup === undefined ? null : fail(`${noun} "${dup}" is listed twice`);
  };
