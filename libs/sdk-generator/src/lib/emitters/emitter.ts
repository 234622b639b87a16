import type { ApiModel, NamedModel, ParameterLocation, TypeRef } from '../api-model';

export type SdkLanguage = 'typescript' | 'python' | 'rust';

export interface GeneratedFile {
  language: SdkLanguage;
  /** Relative path, starting with the language folder (`typescript/src/client.ts`). */
  path: string;
  content: string;
}

export interface EmitOptions {
  /** Package / crate / distribution name (kebab-case); derived from the API title when absent. */
  packageName: string;
}

export type Emitter = (model: ApiModel, options: EmitOptions) => GeneratedFile[];

export interface OperationSurface {
  /** Method name on the client. */
  method: string;
  /** Every parameter with its name in the generated signature (the body is always `body`). */
  params: { wireName: string; in: ParameterLocation; required: boolean; name: string }[];
}

/**
 * The names a generated SDK exposes, as its emitter decided them: what a program using the SDK writes.
 * Lets tests and tools call generated clients without re-deriving any name.
 */
export interface ClientSurface {
  language: SdkLanguage;
  /** What a program imports: npm package, Python module, Rust library name. */
  module: string;
  /** The OpenAPI client class ('' for Protobuf). */
  clientClass: string;
  /** ApiModel model name -> emitted type name. */
  typeNames: Map<string, string>;
  /** Operation id -> method. */
  operations: Map<string, OperationSurface>;
  /** Security scheme name -> credential field / keyword argument. */
  credentials: Map<string, string>;
  /** Protobuf service name -> client class, its interface (TS interface / Python Protocol / Rust trait) and method names by rpc name. */
  services: Map<string, { client: string; iface: string; methods: Map<string, string> }>;
}

export { packageSlug } from '../names';

/** Appends lines one by one: `push(...lines)` passes every line as an argument and overflows the call
 * stack for APIs with thousands of operations. */
export function appendAll(target: string[], lines: readonly string[]): void {
  for (const line of lines) target.push(line);
}

/** JSON with sorted keys and a trailing newline (package.json and friends must be byte-stable). */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}

/** The named models a type refers to directly (not through an array or map, which allocate). */
export function directRefs(t: TypeRef): string[] {
  switch (t.kind) {
    case 'ref':
      return [t.name];
    case 'nullable':
      return directRefs(t.inner);
    default:
      return [];
  }
}

export function modelIndex(model: ApiModel): Map<string, NamedModel> {
  return new Map(model.models.map((m) => [m.name, m]));
}

/** Semantic-version-shaped string, for package manifests that insist on one. */
export function semver(version: string): string {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  return m ? `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}` : '0.1.0';
}
