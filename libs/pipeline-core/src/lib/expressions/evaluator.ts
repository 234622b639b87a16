import type { Expr } from './parser';

/**
 * Evaluates a parsed condition with GitHub Actions' rules (docs/language.md): loose equality (values
 * of different types compare as numbers, strings ignore case), JavaScript-like `&&`/`||` returning
 * an operand, a missing property is null, and falsy means false, 0, -0, NaN, '' or null.
 *
 * A value may not be known yet (a step's outputs before it ran, the event in a plan made without
 * it): it is an `Unresolved`, which flows through the evaluation so that `false && steps.a.outputs.x`
 * is still decided (false) while `steps.a.outputs.x == 'y'` is not.
 */
export class Unresolved {
  constructor(
    /** What is missing: `steps.build.outputs`, `steps.build.status`, `event`. */
    readonly needs: readonly string[],
    /** Known truthiness of a value not itself known (`unknown && false` is falsy whatever it is). */
    readonly truthy?: boolean,
  ) {}

  static of(...parts: unknown[]): Unresolved {
    const needs = new Set<string>();
    for (const p of parts) if (p instanceof Unresolved) for (const n of p.needs) needs.add(n);
    return new Unresolved([...needs].sort());
  }

  withTruthiness(truthy: boolean | undefined): Unresolved {
    return new Unresolved(this.needs, truthy);
  }
}

export class ExpressionEvaluationError extends Error {
  constructor(
    message: string,
    /** Offset in the condition's source. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExpressionEvaluationError';
  }
}

export type StatusFunction = 'success' | 'failure' | 'cancelled' | 'always';
export const STATUS_FUNCTIONS: readonly StatusFunction[] = ['success', 'failure', 'cancelled', 'always'];

/** Where an evaluation reads its values from. */
export interface EvaluationScope {
  /** A root name's value (`event`, `envelope`, `workspace_id`, `workspace_name`, `steps`); undefined reads as null. */
  root(name: string): unknown;
  /** `success()`, `failure()`, `cancelled()`; `always()` is always true. */
  status(fn: Exclude<StatusFunction, 'always'>): boolean | Unresolved;
}

/** Longest string a function may produce, and the longest text `fromJSON` reads. */
export const MAX_STRING_RESULT = 100_000;

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** GitHub's number coercion: null 0, true 1, false 0, a numeric string its number ('' is 0), else NaN. */
export function toNumber(v: unknown): number {
  switch (kindOf(v)) {
    case 'null':
      return 0;
    case 'boolean':
      return v ? 1 : 0;
    case 'number':
      return v as number;
    case 'string': {
      const s = (v as string).trim();
      if (s === '') return 0;
      if (DECIMAL.test(s)) return Number(s);
      if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s.slice(2), 16);
      if (/^0o[0-7]+$/i.test(s)) return parseInt(s.slice(2), 8);
      if (/^[+-]?Infinity$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
      return NaN;
    }
    default:
      return NaN;
  }
}

/** GitHub's string coercion for functions: null '', booleans 'true'/'false', numbers in decimal. */
export function toText(v: unknown): string {
  switch (kindOf(v)) {
    case 'null':
      return '';
    case 'boolean':
    case 'number':
      return String(v);
    case 'string':
      return v as string;
    case 'array':
      return 'Array';
    default:
      return 'Object';
  }
}

export function isTruthy(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'null':
      return false;
    case 'boolean':
      return v as boolean;
    case 'number':
      return v !== 0 && !Number.isNaN(v);
    case 'string':
      return v !== '';
    default:
      return true;
  }
}

/** Truthiness of a result: undefined when it depends on values not known yet. */
export function truthiness(v: unknown): boolean | undefined {
  return v instanceof Unresolved ? v.truthy : isTruthy(v);
}

const upper = (s: string) => s.toUpperCase();

/** `==`: same type compares by value (strings ignoring case, lists/objects by identity); otherwise as numbers. */
export function looseEquals(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) return toNumber(a) === toNumber(b);
  switch (ka) {
    case 'null':
      return true;
    case 'string':
      return upper(a as string) === upper(b as string);
    default:
      return a === b;
  }
}

function compare(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  let x: number | string;
  let y: number | string;
  if (ka === 'string' && kb === 'string') {
    x = upper(a as string);
    y = upper(b as string);
  } else {
    if (ka === 'array' || ka === 'object' || kb === 'array' || kb === 'object') return false;
    x = toNumber(a);
    y = toNumber(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
  }
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `a.b` / `a['b']` / `a[0]`: own properties only; anything missing is null. */
function member(object: unknown, key: unknown): unknown {
  if (object instanceof Unresolved) return object;
  if (key instanceof Unresolved) return key;
  if (Array.isArray(object)) {
    const i = typeof key === 'number' ? key : toNumber(key);
    return Number.isInteger(i) && i >= 0 && i < object.length ? (object[i] ?? null) : null;
  }
  if (object !== null && typeof object === 'object') {
    const k = toText(key);
    return hasOwn.call(object, k) ? ((object as Record<string, unknown>)[k] ?? null) : null;
  }
  return null;
}

function bounded(s: string, fn: string, at: number): string {
  if (s.length > MAX_STRING_RESULT) throw new ExpressionEvaluationError(`${fn}() would produce more than ${MAX_STRING_RESULT} characters`, at);
  return s;
}

/** `format('{0} of {1}', a, b)`; `{{` and `}}` are literal braces. Throws a message on a bad format string. */
export function formatString(template: string, args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i++;
        continue;
      }
      const close = template.indexOf('}', i);
      const index = close < 0 ? '' : template.slice(i + 1, close);
      if (!/^\d{1,3}$/.test(index)) throw new Error(`format: "{" must start a placeholder such as {0} (write {{ for a literal brace)`);
      const n = Number(index);
      if (n >= args.length) throw new Error(`format: placeholder {${n}} has no argument (${args.length} given)`);
      out += toText(args[n]);
      i = close;
    } else if (c === '}') {
      if (template[i + 1] !== '}') throw new Error('format: a lone "}" (write }} for a literal brace)');
      out += '}';
      i++;
    } else out += c;
  }
  return out;
}

export interface FunctionSpec {
  min: number;
  max: number;
}

/** Functions by lower-case name (names are case-insensitive, as in GitHub Actions). */
export const FUNCTIONS: Readonly<Record<string, FunctionSpec & { name: string }>> = {
  contains: { name: 'contains', min: 2, max: 2 },
  startswith: { name: 'startsWith', min: 2, max: 2 },
  endswith: { name: 'endsWith', min: 2, max: 2 },
  format: { name: 'format', min: 1, max: 20 },
  join: { name: 'join', min: 1, max: 2 },
  tojson: { name: 'toJSON', min: 1, max: 1 },
  fromjson: { name: 'fromJSON', min: 1, max: 1 },
  success: { name: 'success', min: 0, max: 0 },
  failure: { name: 'failure', min: 0, max: 0 },
  cancelled: { name: 'cancelled', min: 0, max: 0 },
  always: { name: 'always', min: 0, max: 0 },
};

function call(name: string, args: unknown[], scope: EvaluationScope, at: number): unknown {
  const fn = FUNCTIONS[name.toLowerCase()];
  if (!fn) throw new ExpressionEvaluationError(`unknown function ${name}()`, at);
  if (args.length < fn.min || args.length > fn.max) throw new ExpressionEvaluationError(`${fn.name}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} arguments`, at);
  switch (fn.name) {
    case 'always':
      return true;
    case 'success':
    case 'failure':
    case 'cancelled':
      return scope.status(fn.name);
    default:
      break;
  }
  if (args.some((a) => a instanceof Unresolved)) return Unresolved.of(...args);
  switch (fn.name) {
    case 'contains': {
      const [search, item] = args;
      if (Array.isArray(search)) return search.some((e) => looseEquals(e, item));
      if (kindOf(search) === 'object') return false;
      return upper(toText(search)).includes(upper(toText(item)));
    }
    case 'startsWith':
      return upper(toText(args[0])).startsWith(upper(toText(args[1])));
    case 'endsWith':
      return upper(toText(args[0])).endsWith(upper(toText(args[1])));
    case 'format': {
      if (typeof args[0] !== 'string') throw new ExpressionEvaluationError('format() takes a string as its first argument', at);
      try {
        return bounded(formatString(args[0], args.slice(1)), 'format', at);
      } catch (e) {
        if (e instanceof ExpressionEvaluationError) throw e;
        throw new ExpressionEvaluationError((e as Error).message, at);
      }
    }
    case 'join': {
      const sep = args.length > 1 ? toText(args[1]) : ',';
      return bounded(Array.isArray(args[0]) ? args[0].map(toText).join(sep) : toText(args[0]), 'join', at);
    }
    case 'toJSON': {
      let text: string;
      try {
        text = JSON.stringify(args[0] ?? null, null, 2);
      } catch {
        // A value nested too deeply for the stack (fromJSON of '[[[[…]]]]').
        throw new ExpressionEvaluationError('toJSON(): the value is nested too deeply', at);
      }
      return bounded(text, 'toJSON', at);
    }
    default: {
      const text = toText(args[0]);
      if (text.length > MAX_STRING_RESULT) throw new ExpressionEvaluationError(`fromJSON() reads at most ${MAX_STRING_RESULT} characters`, at);
      try {
        return JSON.parse(text);
      } catch {
        throw new ExpressionEvaluationError(`fromJSON(): not valid JSON: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`, at);
      }
    }
  }
}

/** Evaluates a tree. Throws ExpressionEvaluationError (fromJSON of bad text, a bad format string). */
export function evaluate(expr: Expr, scope: EvaluationScope): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'identifier': {
      const v = scope.root(expr.name);
      return v === undefined ? null : v;
    }
    case 'property':
      return member(evaluate(expr.object, scope), expr.name);
    case 'index':
      return member(evaluate(expr.object, scope), evaluate(expr.index, scope));
    case 'call':
      return call(
        expr.name,
        expr.args.map((a) => evaluate(a, scope)),
        scope,
        expr.start,
      );
    case 'not': {
      const v = evaluate(expr.operand, scope);
      if (v instanceof Unresolved) return v.truthy === undefined ? v : !v.truthy;
      return !isTruthy(v);
    }
    case 'binary':
      return binary(expr, scope);
  }
}

function binary(expr: Extract<Expr, { kind: 'binary' }>, scope: EvaluationScope): unknown {
  const left = evaluate(expr.left, scope);
  if (expr.op === '&&' || expr.op === '||') {
    const and = expr.op === '&&';
    if (!(left instanceof Unresolved)) {
      // Short-circuit like GitHub Actions: the right side is only evaluated when it decides.
      return isTruthy(left) === and ? evaluate(expr.right, scope) : left;
    }
    // The left side is not known yet: the right side may still decide the truthiness.
    let right: unknown;
    try {
      right = evaluate(expr.right, scope);
    } catch {
      return left.withTruthiness(left.truthy === !and ? !and : undefined);
    }
    const l = left.truthy;
    const r = truthiness(right);
    let truthy: boolean | undefined;
    if (and) truthy = l === false || r === false ? false : l === true && r === true ? true : undefined;
    else truthy = l === true || r === true ? true : l === false && r === false ? false : undefined;
    return Unresolved.of(left, right).withTruthiness(truthy);
  }
  const right = evaluate(expr.right, scope);
  if (left instanceof Unresolved || right instanceof Unresolved) return Unresolved.of(left, right);
  switch (expr.op) {
    case '==':
      return looseEquals(left, right);
    case '!=':
      return !looseEquals(left, right);
    default:
      return compare(expr.op, left, right);
  }
}
