import type { Diagnostic } from '@mockops/pipeline-core';
import type { CliContext } from '../lib/context';
import { CommandFailed } from '../lib/context';
import { readTextFile } from '../lib/files';
import { json } from '../lib/output';

/** `file:line:col: path: message`, the shape editors and CI annotate from. */
export function formatFileDiagnostic(file: string, d: Diagnostic): string {
  const where = d.line !== undefined ? `${file}:${d.line}:${d.column ?? 1}` : file;
  const kind = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${kind}${d.path || '(document)'}: ${d.message}`;
}

/** Validates with the same pipeline-core code as the gateway, without a server. */
export async function validateFile(ctx: CliContext, file: string, output: 'table' | 'json'): Promise<void> {
  const source = readTextFile(file, ctx.io);
  // Loaded on demand: the model (YAML, Liquid, validators) is only needed here, not for API calls.
  const { parsePipeline } = await import('@mockops/pipeline-core');
  // JSON is YAML 1.2, so one parser gives line and column for both kinds of file.
  const result = parsePipeline(source);
  const errors = result.ok ? [] : result.errors;
  const warnings = result.warnings ?? [];
  if (output === 'json') {
    ctx.io.out(json({ valid: result.ok, errors, warnings }));
  } else {
    for (const d of [...errors, ...warnings]) ctx.io.err(`${formatFileDiagnostic(file, d)}\n`);
    if (result.ok) ctx.io.out(`${file}: valid${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''}\n`);
  }
  if (!result.ok) {
    if (output !== 'json') ctx.io.err(`${file}: ${errors.length} error${errors.length > 1 ? 's' : ''}\n`);
    throw new CommandFailed('invalid pipeline');
  }
}
