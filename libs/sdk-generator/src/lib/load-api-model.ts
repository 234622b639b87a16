import { load as loadYaml } from 'js-yaml';
import type { ApiModel } from './api-model';
import { loadOpenApiModel } from './loaders/openapi.loader';
import { loadProtobufModel } from './loaders/protobuf.loader';
import { SdkGenerationError } from './sdk-generation.error';

export type SpecFormat = 'openapi' | 'protobuf' | 'auto';

export interface LoadApiModelInput {
  source: string | Buffer;
  /** Used to detect the format (`.proto`) and to name the place in error messages. */
  filename?: string;
  format?: SpecFormat;
  /** Protobuf imports by import path (`common/money.proto` -> its source). Nothing is read from disk. */
  imports?: Record<string, string>;
}

export function detectFormat(text: string, filename?: string): 'openapi' | 'protobuf' {
  if (filename && /\.proto$/i.test(filename)) return 'protobuf';
  if (filename && /\.(json|ya?ml)$/i.test(filename)) return 'openapi';
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('{')) return 'openapi';
  if (/^\s*(openapi|swagger)\s*:/m.test(body)) return 'openapi';
  if (/^\s*(syntax|edition)\s*=\s*["']/m.test(body) || /^\s*(message|service|package)\s+[\w.]+\s*[{;]/m.test(body)) return 'protobuf';
  return 'openapi';
}

/** Parses JSON or YAML, reporting the line and column of a syntax error. */
export function parseDocument(text: string, filename: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch (e) {
      throw new SdkGenerationError(`invalid JSON: ${(e as Error).message}`, filename);
    }
  }
  try {
    return loadYaml(body);
  } catch (e) {
    const err = e as Error & { mark?: { line: number; column: number } };
    const where = err.mark ? `${filename}:${err.mark.line + 1}:${err.mark.column + 1}` : filename;
    throw new SdkGenerationError(`invalid YAML: ${err.message.split('\n')[0]}`, where);
  }
}

/** Reads an OpenAPI 3.0/3.1, Swagger 2.0 or Protobuf document into the generator's intermediate model. */
export async function loadApiModel(input: LoadApiModelInput): Promise<ApiModel> {
  const text = typeof input.source === 'string' ? input.source : input.source.toString('utf8');
  const format = !input.format || input.format === 'auto' ? detectFormat(text, input.filename) : input.format;
  if (format === 'protobuf') return loadProtobufModel(text, input.filename ?? 'input.proto', input.imports ?? {});
  const filename = input.filename ?? 'openapi';
  return loadOpenApiModel(parseDocument(text, filename), filename);
}
