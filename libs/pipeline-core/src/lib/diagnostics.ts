export type PathSegment = string | number;

export type DiagnosticSeverity = 'error' | 'warning';

/**
 * One problem found in a pipeline document. `path` is always set (empty for the document itself);
 * `line`/`column` are 1-based and present when the input was source text.
 */
export interface Diagnostic {
  severity: DiagnosticSeverity;
  code: string;
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/** Stable codes, so the API and CLI can react to a kind of problem without parsing messages. */
export const DIAGNOSTIC_CODES = {
  yamlSyntax: 'YAML_SYNTAX',
  tooLarge: 'DOCUMENT_TOO_LARGE',
  aliasBomb: 'ALIAS_EXPANSION_LIMIT',
  emptyDocument: 'EMPTY_DOCUMENT',
  multipleDocuments: 'MULTIPLE_DOCUMENTS',
  duplicateKey: 'DUPLICATE_KEY',
  unknownKey: 'UNKNOWN_KEY',
  required: 'REQUIRED',
  invalidValue: 'INVALID_VALUE',
  unknownStepType: 'UNKNOWN_STEP_TYPE',
  duplicateStepName: 'DUPLICATE_STEP_NAME',
  literalSecret: 'LITERAL_SECRET',
  templateSyntax: 'TEMPLATE_SYNTAX',
  unknownEventField: 'UNKNOWN_EVENT_FIELD',
  unknownStepReference: 'UNKNOWN_STEP_REFERENCE',
  unknownTemplateVariable: 'UNKNOWN_TEMPLATE_VARIABLE',
  strayDelimiter: 'STRAY_TEMPLATE_DELIMITER',
  secretUsage: 'SECRET_USAGE',
  secretNotAllowed: 'SECRET_NOT_ALLOWED',
  secretMisused: 'SECRET_MISUSED',
  secretNotSet: 'SECRET_NOT_SET',
  invalidString: 'INVALID_STRING',
  depthLimit: 'DEPTH_LIMIT',
  unknownNeed: 'UNKNOWN_NEED',
  selfNeed: 'SELF_NEED',
  duplicateNeed: 'DUPLICATE_NEED',
  needsCycle: 'NEEDS_CYCLE',
  expressionSyntax: 'EXPRESSION_SYNTAX',
  expressionInvalid: 'EXPRESSION_INVALID',
  notAnAncestor: 'NOT_AN_ANCESTOR',
  templateNotAllowed: 'TEMPLATE_VARIABLE_NOT_ALLOWED',
} as const;

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['definition', 'steps', 1, 'config']` → `definition.steps[1].config`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `definition.steps[1].config.languages: line 14 col 9: unknown language "cobol"`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `line ${d.line} col ${d.column ?? 1}: ` : '';
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}${d.path || '(document)'}: ${where}${d.message}`;
}

/** Thrown by the `*OrThrow` helpers; carries every diagnostic, not just the first. */
export class PipelineValidationError extends Error {
  readonly code = 'PIPELINE_INVALID';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n') || 'invalid pipeline');
    this.name = 'PipelineValidationError';
  }
}
