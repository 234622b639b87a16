/**
 * Identifier helpers shared by the emitters. Spec names can be anything (`123abc`, `foo-bar`, `$ref`,
 * `名前`), so every identifier goes through: split into ASCII words -> case style -> leading-digit fix ->
 * reserved-word escape -> uniqueness within its scope. All steps are pure, so output is deterministic.
 */

/** Splits a name into ASCII words: separators, camelCase humps and non-ASCII letters (as `uXXXX`). */
export function splitWords(name: string): string[] {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\P{ASCII}/gu, (ch) => ` u${ch.codePointAt(0)!.toString(16)} `);
  return ascii
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

export function pascalCase(name: string): string {
  return splitWords(name).map(cap).join('');
}

export function camelCase(name: string): string {
  const words = splitWords(name);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : cap(w))).join('');
}

export function snakeCase(name: string): string {
  return splitWords(name)
    .map((w) => w.toLowerCase())
    .join('_');
}

export function screamingSnakeCase(name: string): string {
  return snakeCase(name).toUpperCase();
}

/** Keeps a name unique within one scope (case-insensitively, so files and languages never clash). */
export class UniqueNamer {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase());
  }

  claim(base: string): string {
    let candidate = base;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) candidate = `${base}${n}`;
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}

export interface NameStyle {
  /** Type names (PascalCase). */
  type(name: string): string;
  /** Fields, parameters, methods. */
  member(name: string): string;
  /** Enum members / constants. */
  constant(name: string): string;
}

function fix(base: string, fallback: string, digitPrefix: string): string {
  const b = base.length === 0 ? fallback : base;
  return /^[0-9]/.test(b) ? `${digitPrefix}${b}` : b;
}

function makeStyle(opts: {
  type: (s: string) => string;
  member: (s: string) => string;
  constant: (s: string) => string;
  reservedTypes: ReadonlySet<string>;
  reservedMembers: ReadonlySet<string>;
}): NameStyle {
  return {
    type(name) {
      const t = fix(opts.type(name), 'Model', 'T');
      return opts.reservedTypes.has(t) ? `${t}Model` : t;
    },
    member(name) {
      const m = fix(opts.member(name), 'value', '_');
      return opts.reservedMembers.has(m) ? `${m}_` : m;
    },
    constant(name) {
      const c = fix(opts.constant(name), 'VALUE', '_');
      return opts.reservedMembers.has(c) || opts.reservedTypes.has(c) ? `${c}_` : c;
    },
  };
}

// Types that the generated TypeScript code itself relies on; a model with that name would shadow them.
const TS_RESERVED_TYPES = new Set([
  'Array', 'ArrayBuffer', 'Blob', 'Boolean', 'Date', 'FormData', 'Number', 'Object', 'Promise', 'Record', 'String',
  'Symbol', 'Function', 'Any', 'Unknown', 'Never', 'Void', 'Null', 'Undefined', 'Object',
]);
const TS_RESERVED_MEMBERS = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'as',
  'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await',
  'arguments', 'eval', 'constructor', 'undefined',
]);

export const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
]);
// Builtins and module-level helpers the generated Python refers to; shadowing them breaks the module.
const PY_RESERVED_TYPES = new Set([...PY_KEYWORDS, 'ApiError', 'Any', 'Literal', 'TypedDict', 'NotRequired', 'Union', 'Optional']);
const PY_RESERVED_MEMBERS = new Set([
  ...PY_KEYWORDS, 'self', 'str', 'int', 'float', 'bool', 'bytes', 'list', 'dict', 'object', 'json', 'cast', 'body',
]);

const RUST_KEYWORDS = [
  'as', 'break', 'const', 'continue', 'crate', 'else', 'enum', 'extern', 'false', 'fn', 'for', 'if', 'impl', 'in',
  'let', 'loop', 'match', 'mod', 'move', 'mut', 'pub', 'ref', 'return', 'self', 'Self', 'static', 'struct', 'super',
  'trait', 'true', 'type', 'unsafe', 'use', 'where', 'while', 'async', 'await', 'dyn', 'abstract', 'become', 'box',
  'do', 'final', 'macro', 'override', 'priv', 'typeof', 'unsized', 'virtual', 'yield', 'try', 'union', 'gen',
];
const RUST_RESERVED_TYPES = new Set([
  ...RUST_KEYWORDS, 'Option', 'Result', 'String', 'Vec', 'Box', 'BTreeMap', 'Some', 'None', 'Ok', 'Err', 'Value',
  'Error', 'Serialize', 'Deserialize', 'Client', 'Self', 'Default', 'Clone', 'Debug', 'PartialEq', 'Send', 'Sync',
  'Copy', 'Sized', 'Fn', 'FnMut', 'FnOnce', 'Drop', 'Iterator', 'ToString', 'Into', 'From', 'TryFrom', 'TryInto',
  'AsRef', 'Eq', 'Ord', 'PartialOrd',
]);
const RUST_RESERVED_MEMBERS = new Set([...RUST_KEYWORDS, 'body']);

export const typescriptNames: NameStyle = makeStyle({
  type: pascalCase,
  member: camelCase,
  constant: pascalCase,
  reservedTypes: TS_RESERVED_TYPES,
  reservedMembers: TS_RESERVED_MEMBERS,
});

export const pythonNames: NameStyle = makeStyle({
  type: pascalCase,
  member: snakeCase,
  constant: screamingSnakeCase,
  reservedTypes: PY_RESERVED_TYPES,
  reservedMembers: PY_RESERVED_MEMBERS,
});

export const rustNames: NameStyle = makeStyle({
  type: pascalCase,
  member: snakeCase,
  constant: pascalCase,
  reservedTypes: RUST_RESERVED_TYPES,
  reservedMembers: RUST_RESERVED_MEMBERS,
});

/** A JavaScript identifier may be used as an object key without quotes. */
export function isJsIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/** Quotes a string for TypeScript / Python / Rust source (JSON escaping is valid in all three for our use). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** Escapes text for a comment line, so spec text can never close the comment or inject code. */
export function commentText(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/\*\//g, '* /')
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd());
}
