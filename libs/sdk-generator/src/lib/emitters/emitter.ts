import type { ApiModel, NamedModel, TypeRef } from '../api-model';
import { snakeCase } from '../names';

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

/** A package name every ecosystem accepts: lowercase ASCII words joined by `-`. */
export function packageSlug(name: string): string {
  return snakeCase(name).replace(/_/g, '-') || 'api-client';
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
