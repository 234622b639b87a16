import type { ApiModel } from './api-model';
import { type ClientSurface, type EmitOptions, type Emitter, type GeneratedFile, packageSlug, type SdkLanguage } from './emitters/emitter';
import { emitPython, pythonSurface } from './emitters/python.emitter';
import { emitRust, rustSurface } from './emitters/rust.emitter';
import { emitTypeScript, typescriptSurface } from './emitters/typescript.emitter';
import { loadApiModel, type LoadApiModelInput } from './load-api-model';
import { SdkGenerationError } from './sdk-generation.error';

export const SDK_LANGUAGES: readonly SdkLanguage[] = ['typescript', 'python', 'rust'];

const EMITTERS: Record<SdkLanguage, Emitter> = { typescript: emitTypeScript, python: emitPython, rust: emitRust };
const SURFACES: Record<SdkLanguage, (model: ApiModel, options: EmitOptions) => ClientSurface> = {
  typescript: typescriptSurface,
  python: pythonSurface,
  rust: rustSurface,
};

/** The names the SDK of `language` exposes (client class, methods, parameters, types) for `model`. */
export function clientSurface(model: ApiModel, language: SdkLanguage, packageName?: string): ClientSurface {
  return SURFACES[language](model, { packageName: packageSlug(packageName ?? model.title) });
}

export interface GenerateSdksInput extends LoadApiModelInput {
  languages: SdkLanguage[];
  /** Package name (kebab-case); defaults to one derived from the API title. */
  packageName?: string;
}

export interface GenerateSdksSummary {
  title: string;
  version: string;
  /** HTTP operations (OpenAPI) or RPC methods (Protobuf). */
  operations: number;
  models: number;
  /** Generated client classes: 1 for OpenAPI, one per service for Protobuf. */
  services: number;
  languages: Partial<Record<SdkLanguage, { files: number; status: 'ok' }>>;
}

export interface GenerateSdksResult {
  /** Sorted by path; every path starts with the language folder. */
  files: GeneratedFile[];
  summary: GenerateSdksSummary;
}

/** Emits SDKs for an already loaded model (lets callers load once and emit many times). */
export function emitSdks(model: ApiModel, languages: SdkLanguage[], packageName?: string): GenerateSdksResult {
  const unknown = languages.filter((l) => !SDK_LANGUAGES.includes(l));
  if (unknown.length) {
    throw new SdkGenerationError(`unsupported language(s) ${unknown.map((l) => `"${l}"`).join(', ')}; supported: ${SDK_LANGUAGES.join(', ')}`, 'languages');
  }
  if (languages.length === 0) throw new SdkGenerationError('no language requested', 'languages');
  const pkg = packageSlug(packageName ?? model.title);
  const files: GeneratedFile[] = [];
  const summaryLanguages: GenerateSdksSummary['languages'] = {};
  for (const lang of [...new Set(languages)].sort()) {
    const out = EMITTERS[lang](model, { packageName: pkg });
    files.push(...out);
    summaryLanguages[lang] = { files: out.length, status: 'ok' };
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    files,
    summary: {
      title: model.title,
      version: model.version,
      operations: model.source === 'openapi' ? model.operations.length : model.services.reduce((n, s) => n + s.methods.length, 0),
      models: model.models.length,
      services: model.source === 'openapi' ? 1 : model.services.length,
      languages: summaryLanguages,
    },
  };
}

/** Spec in, SDK files out: no I/O besides reading `source` from memory. */
export async function generateSdks(input: GenerateSdksInput): Promise<GenerateSdksResult> {
  const model = await loadApiModel(input);
  return emitSdks(model, input.languages, input.packageName);
}
