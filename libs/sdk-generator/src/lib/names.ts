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

/**
 * Everything that decides the identifiers of one target language: case styles, the language's reserved
 * words, and the generator's own runtime names — every name the generated modules define, import or
 * take from the language's prelude. Emitters take all their namers from here, so a spec name can never
 * shadow a runtime name (a Rust model called `Duration` once silently became `std::time::Duration`).
 */
export interface LanguageNames extends NameStyle {
  /** Module-level names of the generated client/models modules (types, classes, functions, imports). */
  readonly runtime: readonly string[];
  /** Members of the generated base client that a generated method must not take. */
  readonly clientMembers: readonly string[];
  /** Names a generated method body uses (locals, helpers, modules), which a parameter must not shadow. */
  readonly methodLocals: readonly string[];
  /** The client class of an API titled `title` (never starts with a digit, never a reserved word). */
  clientClass(title: string): string;
  /** A namer for module-level type names with every runtime name already taken. */
  typeNamer(): UniqueNamer;
  /** A namer for the methods of a client class. */
  methodNamer(): UniqueNamer;
  /** A namer for the parameters of one generated method. */
  paramNamer(): UniqueNamer;
}

function fix(base: string, fallback: string, digitPrefix: string): string {
  const b = base.length === 0 ? fallback : base;
  return /^[0-9]/.test(b) ? `${digitPrefix}${b}` : b;
}

function makeNames(opts: {
  type: (s: string) => string;
  member: (s: string) => string;
  constant: (s: string) => string;
  reservedTypes: ReadonlySet<string>;
  reservedMembers: ReadonlySet<string>;
  runtime: readonly string[];
  clientMembers: readonly string[];
  methodLocals: readonly string[];
}): LanguageNames {
  const style: NameStyle = {
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
  // Only names that can collide with a type-level name are taken in the type namer (case-insensitively).
  const runtimeTypes = opts.runtime.filter((n) => /^[A-Z]/.test(n));
  return {
    ...style,
    runtime: opts.runtime,
    clientMembers: opts.clientMembers,
    methodLocals: opts.methodLocals,
    clientClass: (title) => style.type(`${pascalCase(title) || 'Api'}Client`),
    typeNamer: () => new UniqueNamer(runtimeTypes),
    methodNamer: () => new UniqueNamer(opts.clientMembers),
    paramNamer: () => new UniqueNamer(opts.methodLocals),
  };
}

// ---- TypeScript --------------------------------------------------------------------------------

// Globals the generated TypeScript relies on; a model with that name would shadow them.
const TS_RESERVED_TYPES = new Set([
  'Array', 'ArrayBuffer', 'Blob', 'Boolean', 'Date', 'FormData', 'Number', 'Object', 'Promise', 'Record', 'String',
  'Symbol', 'Function', 'Any', 'Unknown', 'Never', 'Void', 'Null', 'Undefined', 'Error', 'Headers', 'Response',
  'URLSearchParams', 'AbortSignal', 'BodyInit', 'JSON', 'Partial', 'Readonly', 'Required', 'NonNullable',
]);
const TS_RESERVED_MEMBERS = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'as',
  'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await',
  'arguments', 'eval', 'constructor', 'undefined',
]);
/** What client.ts / models.ts declare or import at module level. */
const TS_RUNTIME = [
  'M', 'DEFAULT_BASE_URL', 'Credentials', 'ClientOptions', 'RequestOptions', 'ApiError', 'QueryValue', 'RequestSpec',
  'BaseClient', 'scalar', 'encodeQuery', 'encodeBody', 'readBody',
];

// ---- Python ------------------------------------------------------------------------------------

export const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
]);
// Builtins the generated Python refers to; shadowing them breaks the module.
const PY_RESERVED_TYPES = new Set([...PY_KEYWORDS, 'Any', 'Literal', 'TypedDict', 'NotRequired', 'Union', 'Optional', 'Ellipsis', 'NotImplemented']);
/** What client.py / models.py / __init__.py declare or import at module level. */
const PY_RUNTIME = [
  'annotations', 'base64', 'json', '_t', 'urllib', 'uuid', '_m', 'models', 'DEFAULT_BASE_URL', 'ApiError', '_scalar',
  '_decode', '_multipart', '_BaseClient', '__all__',
];
const PY_RESERVED_MEMBERS = new Set([
  ...PY_KEYWORDS, 'self', 'str', 'int', 'float', 'bool', 'bytes', 'list', 'dict', 'object', 'cast', 'isinstance',
  ...PY_RUNTIME,
]);

// ---- Rust --------------------------------------------------------------------------------------

const RUST_KEYWORDS = [
  'as', 'break', 'const', 'continue', 'crate', 'else', 'enum', 'extern', 'false', 'fn', 'for', 'if', 'impl', 'in',
  'let', 'loop', 'match', 'mod', 'move', 'mut', 'pub', 'ref', 'return', 'self', 'Self', 'static', 'struct', 'super',
  'trait', 'true', 'type', 'unsafe', 'use', 'where', 'while', 'async', 'await', 'dyn', 'abstract', 'become', 'box',
  'do', 'final', 'macro', 'override', 'priv', 'typeof', 'unsized', 'virtual', 'yield', 'try', 'union', 'gen',
];
// The prelude and the derives the generated code uses; a local type with such a name would shadow them.
const RUST_RESERVED_TYPES = new Set([
  ...RUST_KEYWORDS, 'Option', 'Result', 'String', 'Vec', 'Box', 'Some', 'None', 'Ok', 'Err', 'Value', 'Default',
  'Clone', 'Debug', 'PartialEq', 'Send', 'Sync', 'Copy', 'Sized', 'Fn', 'FnMut', 'FnOnce', 'Drop', 'Iterator',
  'ToString', 'Into', 'From', 'TryFrom', 'TryInto', 'AsRef', 'AsMut', 'Eq', 'Ord', 'PartialOrd', 'Hash', 'Unpin',
  'ToOwned', 'Extend', 'IntoIterator', 'DoubleEndedIterator', 'ExactSizeIterator',
]);
/** What client.rs / models.rs define or import at module level (a glob import of the models never wins). */
const RUST_RUNTIME = [
  'DEFAULT_BASE_URL', 'Error', 'Credentials', 'HttpTransport', 'Call', 'Serialize', 'Deserialize', 'DeserializeOwned',
  'BTreeMap', 'Read', 'Duration', 'Client', 'encode', 'base64', 'wire_values', 'models', 'client',
];
const RUST_RESERVED_MEMBERS = new Set([...RUST_KEYWORDS, 'body', 'call', 'encode', 'base64', 'wire_values']);

export const typescriptNames: LanguageNames = makeNames({
  type: pascalCase,
  member: camelCase,
  constant: pascalCase,
  reservedTypes: TS_RESERVED_TYPES,
  reservedMembers: TS_RESERVED_MEMBERS,
  runtime: TS_RUNTIME,
  clientMembers: ['send', 'options', 'constructor', 'applyCredentials'],
  methodLocals: ['body'],
});

export const pythonNames: LanguageNames = makeNames({
  type: pascalCase,
  member: snakeCase,
  constant: screamingSnakeCase,
  reservedTypes: PY_RESERVED_TYPES,
  reservedMembers: PY_RESERVED_MEMBERS,
  runtime: PY_RUNTIME,
  clientMembers: ['base_url', 'headers', 'timeout', '_send', '_apply_credentials', '_credentials'],
  methodLocals: ['self', 'body'],
});

export const rustNames: LanguageNames = makeNames({
  type: pascalCase,
  member: snakeCase,
  constant: pascalCase,
  reservedTypes: RUST_RESERVED_TYPES,
  reservedMembers: RUST_RESERVED_MEMBERS,
  runtime: RUST_RUNTIME,
  clientMembers: ['new', 'with_credentials', 'with_header', 'transport', 'send', 'send_json'],
  methodLocals: ['self', 'body', 'call'],
});

// Module and crate names that would shadow what the generated code imports (`import json` inside a
// package called `json` imports the package itself) or that the toolchains refuse.
const PY_MODULE_CONFLICTS = new Set([...PY_KEYWORDS, 'base64', 'json', 'typing', 'urllib', 'uuid', 'builtins', '__future__', 'abc', 'types', 'test']);
const RUST_CRATE_CONFLICTS = new Set([...RUST_KEYWORDS, 'std', 'core', 'alloc', 'proc_macro', 'test', 'serde', 'serde_json', 'serde_derive', 'ureq']);

export interface PackageNames {
  /** Distribution name shared by npm, PyPI and Cargo (kebab-case, never starts with a digit). */
  slug: string;
  /** Python import name. */
  pythonModule: string;
  /** Cargo package name. */
  crate: string;
  /** Rust library name (`use <rustLib>::...`). */
  rustLib: string;
}

/** A package name every ecosystem accepts: lowercase ASCII words joined by `-`, starting with a letter. */
export function packageSlug(name: string): string {
  const slug = snakeCase(name).replace(/_/g, '-') || 'api-client';
  return /^[0-9]/.test(slug) ? `sdk-${slug}` : slug;
}

export function packageNames(name: string): PackageNames {
  const slug = packageSlug(name);
  const under = slug.replace(/-/g, '_');
  const pythonModule = PY_MODULE_CONFLICTS.has(under) ? `${under}_sdk` : under;
  const crate = RUST_CRATE_CONFLICTS.has(under) ? `${slug}-sdk` : slug;
  return { slug, pythonModule, crate, rustLib: crate.replace(/-/g, '_') };
}

/** A JavaScript identifier may be used as an object key without quotes. */
export function isJsIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/** Quotes a string for TypeScript / Python / Rust source (JSON escaping is valid in all three for our use). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** A TOML basic string (JSON escapes are TOML escapes; lone surrogates are not Unicode scalars). */
export function tomlString(value: string): string {
  return JSON.stringify(value.replace(/[\ud800-\udfff]/gu, '\ufffd'));
}
