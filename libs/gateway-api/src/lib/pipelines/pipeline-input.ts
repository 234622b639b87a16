import { formatDiagnostic, parsePipeline, type Diagnostic, type ParseOptions, type PipelineDocument } from '@mockops/pipeline-core';
import { GatewayError } from '../errors/gateway-error';
import { presentDiagnostic } from '../presenters';
import { WORKSPACE_ID_PATTERN } from './pipeline.dto';

export type SourceFormat = 'yaml' | 'json';

/** A request body as the pipeline parser takes it, with the owning workspace set apart. */
export interface PipelineSource {
  source: string | Record<string, unknown>;
  format: SourceFormat;
  /** The text stored with the revision: the YAML as sent, or the JSON pretty-printed. */
  sourceText: string;
  /** From the JSON body's `workspace_id` (not part of the document itself). */
  workspaceId?: string;
}

export interface ParsedPipeline {
  document: PipelineDocument;
  warnings: Diagnostic[];
  sourceText: string;
  sourceFormat: SourceFormat;
  workspaceId?: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the body of POST/PUT /pipelines and /pipelines/validate: a YAML string (body parser "text")
 * or a JSON object `{name, description?, definition, workspace_id?}`.
 */
export function readPipelineSource(body: unknown): PipelineSource {
  if (typeof body === 'string') {
    if (!body.trim()) throw new GatewayError('BAD_REQUEST', 'the request body is empty; send the pipeline YAML');
    return { source: body, format: 'yaml', sourceText: body };
  }
  if (body === undefined || body === null || (isPlainObject(body) && Object.keys(body).length === 0)) {
    throw new GatewayError('BAD_REQUEST', 'a pipeline is required: send {name, definition} as JSON or the pipeline file as application/yaml');
  }
  if (!isPlainObject(body)) {
    throw new GatewayError('VALIDATION_FAILED', 'the body must be a JSON object {name, definition}', [
      { path: '', message: `expected an object, got ${Array.isArray(body) ? 'an array' : typeof body}` },
    ]);
  }
  const { workspace_id: workspaceId, ...document } = body;
  if (workspaceId !== undefined && workspaceId !== null) {
    if (typeof workspaceId !== 'string' || !WORKSPACE_ID_PATTERN.test(workspaceId)) {
      throw new GatewayError('VALIDATION_FAILED', 'workspace_id must be a workspace id (letters, digits, _ . : -)', [
        { path: 'workspace_id', message: 'must be a workspace id' },
      ]);
    }
  }
  return {
    source: document,
    format: 'json',
    sourceText: JSON.stringify(document, null, 2),
    ...(typeof workspaceId === 'string' ? { workspaceId } : {}),
  };
}

export type ValidationOutcome =
  | { ok: true; document: PipelineDocument; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

export function validatePipelineSource(input: PipelineSource, opts: ParseOptions = {}): ValidationOutcome {
  const result = parsePipeline(input.source, opts);
  if (result.ok) return { ok: true, document: result.document, warnings: result.warnings ?? [] };
  return { ok: false, errors: result.errors, warnings: result.warnings ?? [] };
}

/** Parses and validates, or throws the 400 (413 for an oversized document) with every diagnostic. */
export function parsePipelineBody(body: unknown, opts: ParseOptions = {}): ParsedPipeline {
  const input = readPipelineSource(body);
  const outcome = validatePipelineSource(input, opts);
  if (!outcome.ok) {
    const errors = outcome.errors;
    const tooLarge = errors.length > 0 && errors.every((e) => e.code === 'DOCUMENT_TOO_LARGE');
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new GatewayError(
      tooLarge ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
      `pipeline is invalid: ${errors.length ? formatDiagnostic(errors[0]) : 'unknown error'}${more}`,
      errors.map(presentDiagnostic),
    );
  }
  return {
    document: outcome.document,
    warnings: outcome.warnings,
    sourceText: input.sourceText,
    sourceFormat: input.format,
    ...(input.workspaceId !== undefined ? { workspaceId: input.workspaceId } : {}),
  };
}
