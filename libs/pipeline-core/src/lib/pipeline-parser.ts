import { validateConcurrency } from './concurrency';
import { dagIssues, stepDag } from './dag';
import { validateDebounce } from './debounce';
import { DIAGNOSTIC_CODES, PipelineValidationError, formatPath, type Diagnostic, type PathSegment } from './diagnostics';
import { EVENT_PAYLOAD_FIELDS, isKnownEventType } from './events';
import { checkCondition } from './expressions/condition';
import { findInputProblem } from './input-checks';
import { positionInScalar } from './scalar-position';
import { checkSecretAccess, secretUsage, type SecretScope } from './secret-usage';
import { TEMPLATE_ROOTS, TemplateError, sharedRenderer, templateVariables } from './template-renderer';
import { stepTypeDefinition } from './step-types/registry';
import type { PipelineDocument, StepDefinition, TriggerDefinition } from './types';
import { describe, isPlainObject, isTemplate } from './validation/checks';
import { PipelineDefinitionModel, PipelineDocumentModel, RetriesModel, StepModel, TriggerModel } from './validation/document.model';
import { validateSection } from './validation/section';
import { loadYamlDocument, type LoadLimits, type SourceMap } from './yaml-loader';

export interface ParseOptions extends LoadLimits {
  /**
   * Who owns the pipeline and which secrets exist, when known (the gateway at save time): secret
   * references the pipeline may not use become errors with their position.
   */
  secrets?: SecretScope;
}

export type ParseResult =
  | { ok: true; document: PipelineDocument; errors: []; warnings: Diagnostic[] }
  | { ok: false; document?: undefined; errors: Diagnostic[]; warnings: Diagnostic[] };

export type FragmentKind = 'triggers' | 'steps';
export type FragmentResult<K extends FragmentKind> =
  | { ok: true; value: K extends 'triggers' ? TriggerDefinition[] : StepDefinition[]; errors: []; warnings: Diagnostic[] }
  | { ok: false; value?: undefined; errors: Diagnostic[]; warnings: Diagnostic[] };

/** Collects diagnostics, placing each in the source when there is one. */
class Collector {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  constructor(
    private readonly map?: SourceMap,
    private readonly source?: string,
  ) {}

  error(path: PathSegment[], code: string, message: string, at: 'key' | 'value' = 'key'): void {
    this.errors.push(this.make('error', path, code, message, at));
  }

  warn(path: PathSegment[], code: string, message: string): void {
    this.warnings.push(this.make('warning', path, code, message, 'value'));
  }

  /** A diagnostic at character `offset` of the string value at `path` (an `if:` expression). */
  inValue(severity: Diagnostic['severity'], path: PathSegment[], code: string, message: string, value: unknown, offset: number): void {
    const d = this.make(severity, path, code, message, 'value');
    if (d.line !== undefined && this.source !== undefined && typeof value === 'string') {
      const pos = positionInScalar(this.source, { line: d.line, column: d.column ?? 1 }, value, offset);
      d.line = pos.line;
      d.column = pos.column;
    }
    (severity === 'error' ? this.errors : this.warnings).push(d);
  }

  private make(severity: Diagnostic['severity'], path: PathSegment[], code: string, message: string, at: 'key' | 'value'): Diagnostic {
    const d: Diagnostic = { severity, code, path: formatPath(path), message };
    if (this.map) {
      const pos = at === 'value' ? this.map.locateValue(path) : this.map.locate(path);
      d.line = pos.line;
      d.column = pos.column;
    }
    return d;
  }

  /** Issues of a nested section: a field's problem at its key, a template's at its value. */
  issues(list: { path: PathSegment[]; code: string; message: string }[]): void {
    const inValue: string[] = [DIAGNOSTIC_CODES.templateSyntax, DIAGNOSTIC_CODES.templateNotAllowed];
    for (const issue of list) this.error(issue.path, issue.code, issue.message, inValue.includes(issue.code) ? 'value' : 'key');
  }

  section(model: new () => object, input: unknown, path: PathSegment[], noun?: string) {
    const r = validateSection(model, input, path, noun);
    for (const issue of r.issues) this.error(issue.path, issue.code, issue.message, issue.path.length === path.length ? 'value' : 'key');
    return r;
  }

  sorted(list: Diagnostic[]): Diagnostic[] {
    // Source order reads best; diagnostics without a position keep the order they were found in.
    return this.map ? [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)) : list;
  }
}

function parseTrigger(input: unknown, path: PathSegment[], c: Collector): TriggerDefinition | null {
  const r = c.section(TriggerModel, input, path);
  if (r.invalid.has('*')) return null;
  const trigger: TriggerDefinition = { event: r.value.event as string };
  if (isPlainObject(r.value.filters)) {
    const filters: Record<string, TriggerDefinition['filters'] extends infer F ? F[keyof F] : never> = {};
    for (const [key, value] of Object.entries(r.value.filters)) {
      const at = [...path, 'filters', key];
      if (key.trim() === '' || key.split('.').some((s) => s === '')) {
        c.error(at, DIAGNOSTIC_CODES.invalidValue, 'a filter key must be a field name or a dotted path such as drift_data.level');
      } else if (Array.isArray(value)) {
        if (value.length === 0) c.error(at, DIAGNOSTIC_CODES.invalidValue, 'an any-of list must not be empty');
        const bad = value.findIndex((v) => !isFilterScalar(v));
        if (bad >= 0) c.error([...at, bad], DIAGNOSTIC_CODES.invalidValue, `a filter list holds values (string, number, boolean, null), not ${describe(value[bad])}`, 'value');
      } else if (!isFilterScalar(value)) {
        c.error(at, DIAGNOSTIC_CODES.invalidValue, `a filter value must be a value (string, number, boolean, null) or a list of values, not ${describe(value)}`);
      }
      filters[key] = value as never;
    }
    trigger.filters = filters as TriggerDefinition['filters'];
  }
  if (r.value.debounce !== undefined && !r.invalid.has('debounce')) {
    const debounce = validateDebounce(r.value.debounce, [...path, 'debounce']);
    c.issues(debounce.issues);
    if (debounce.value) trigger.debounce = debounce.value;
  }
  return trigger;
}

function isFilterScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Checks a step's config against its step type's schema (step-types/), every issue with its position. */
function parseConfig(stepType: string, input: unknown, path: PathSegment[], c: Collector): Record<string, unknown> {
  const definition = stepTypeDefinition(stepType);
  if (!definition) return isPlainObject(input) ? input : {};
  const r = definition.check(input, path);
  for (const issue of r.issues) c.error(issue.path, issue.code, issue.message, issue.at);
  return r.value;
}

function parseStep(input: unknown, path: PathSegment[], c: Collector, opts: ParseOptions): StepDefinition | null {
  const r = c.section(StepModel, input, path);
  if (r.invalid.has('*')) return null;
  const v = r.value;
  if (isPlainObject(v.retries)) {
    const retries = c.section(RetriesModel, v.retries, [...path, 'retries']);
    v.retries = retries.value;
  }
  if (!r.invalid.has('step_type') && !r.invalid.has('config') && v.config !== undefined) {
    v.config = parseConfig(v.step_type as string, v.config, [...path, 'config'], c);
    checkTemplateSyntax(v.config, [...path, 'config'], c);
    checkSecrets(v.step_type as string, v.config, [...path, 'config'], c, opts.secrets);
  }
  const step: Record<string, unknown> = { name: v.name, step_type: v.step_type, config: v.config };
  if (typeof v.needs === 'string') v.needs = [v.needs];
  for (const key of ['needs', 'if', 'continue_on_error', 'timeout', 'retries'] as const) if (v[key] !== undefined && !r.invalid.has(key)) step[key] = v[key];
  return step as unknown as StepDefinition;
}

function checkTemplateSyntax(config: unknown, path: PathSegment[], c: Collector): void {
  const walk = (v: unknown, at: PathSegment[]) => {
    if (isTemplate(v)) {
      try {
        templateVariables(v);
        const stray = sharedRenderer().strayDelimiters(v);
        if (stray) c.warn(at, DIAGNOSTIC_CODES.strayDelimiter, `"${stray}" outside any {{ }} or {% %}: literal text here; if it was meant to close a tag, the tag is broken`);
      } catch (e) {
        const reason = e instanceof TemplateError ? e.message : String(e);
        c.error(at, DIAGNOSTIC_CODES.templateSyntax, reason.replace(/, line:\d+, col:\d+.*$/s, ''), 'value');
      }
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i]));
    else if (isPlainObject(v)) for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
  };
  walk(config, path);
}

/** Secrets only as whole values of credential fields; with a scope, only the secrets this pipeline may use. */
function checkSecrets(stepType: string, config: unknown, path: PathSegment[], c: Collector, scope?: SecretScope): void {
  const usage = secretUsage(stepType, config, sharedRenderer());
  for (const p of usage.problems) c.error([...path, ...p.path], DIAGNOSTIC_CODES.secretUsage, p.message, 'value');
  if (!scope) return;
  for (const ref of usage.refs) {
    const issue = checkSecretAccess(stepType, ref, scope);
    if (!issue) continue;
    const code = { SECRET_NOT_ALLOWED: DIAGNOSTIC_CODES.secretNotAllowed, SECRET_MISUSED: DIAGNOSTIC_CODES.secretMisused, SECRET_NOT_SET: DIAGNOSTIC_CODES.secretNotSet }[issue.code];
    if (issue.severity === 'error') c.error([...path, ...ref.fieldPath], code, issue.message, 'value');
    else c.warn([...path, ...ref.fieldPath], code, issue.message);
  }
}

function parseSteps(list: unknown[], path: PathSegment[], c: Collector, opts: ParseOptions = {}): { steps: StepDefinition[]; rawIndex: number[] } {
  const steps: StepDefinition[] = [];
  const rawIndex: number[] = [];
  const firstIndex = new Map<string, number>();
  list.forEach((item, i) => {
    const step = parseStep(item, [...path, i], c, opts);
    if (!step) return;
    steps.push(step);
    rawIndex.push(i);
    if (typeof step.name !== 'string') return;
    const seen = firstIndex.get(step.name);
    if (seen !== undefined) {
      c.error([...path, i, 'name'], DIAGNOSTIC_CODES.duplicateStepName, `duplicate step name "${step.name}" (already used by ${formatPath([...path, seen])})`, 'value');
    } else firstIndex.set(step.name, i);
  });
  return { steps, rawIndex };
}

const DAG_CODES = {
  UNKNOWN_NEED: DIAGNOSTIC_CODES.unknownNeed,
  SELF_NEED: DIAGNOSTIC_CODES.selfNeed,
  DUPLICATE_NEED: DIAGNOSTIC_CODES.duplicateNeed,
  NEEDS_CYCLE: DIAGNOSTIC_CODES.needsCycle,
} as const;

/**
 * The graph of `needs` and each step's `if:`, checked with positions: every problem points at the
 * `needs` entry or at the token of the expression at fault.
 */
function checkStepGraph(triggers: TriggerDefinition[] | null, parsed: { steps: StepDefinition[]; rawIndex: number[] }, raw: unknown[], stepsPath: PathSegment[], c: Collector): void {
  const { steps, rawIndex } = parsed;
  for (const issue of dagIssues(steps)) {
    const at = [...stepsPath, rawIndex[issue.step], 'needs'];
    // `needs: build` (one name) was normalised to a list; point at the scalar itself then.
    const scalar = typeof (raw[rawIndex[issue.step]] as Record<string, unknown>).needs === 'string';
    c.error(scalar ? at : [...at, issue.need], DAG_CODES[issue.code], issue.message, 'value');
  }
  const dag = stepDag({ steps });
  const names = new Set(steps.map((s) => s.name));
  const known = knownEventFields(triggers);
  steps.forEach((step, i) => {
    if (step.if === undefined) return;
    const at = [...stepsPath, rawIndex[i], 'if'];
    const { compiled, problems } = checkCondition(step.if, { step: step.name, steps: names, isAncestor: (n) => dag.isAncestor(n, step.name) });
    for (const p of problems) c.inValue(p.severity, at, p.code, p.message, step.if, p.offset);
    if (!compiled || !known) return;
    for (const ref of compiled.eventRefs) {
      if (!known.fields.includes(ref.field)) {
        c.inValue('warning', at, DIAGNOSTIC_CODES.unknownEventField, `"event.${ref.field}": ${known.types.join(' / ')} events have no payload field "${ref.field}" (they have ${known.fields.join(', ')}); it reads as null unless a producer adds it`, step.if, ref.start);
      }
    }
  });
}

/** Payload fields of the triggers' event types, when every type is one of the known four. */
function knownEventFields(triggers: TriggerDefinition[] | null): { types: string[]; fields: string[] } | null {
  const types = [...new Set(triggers?.map((t) => t.event) ?? [])];
  if (types.length === 0 || !types.every((t) => isKnownEventType(t))) return null;
  return { types, fields: [...new Set(types.flatMap((t) => EVENT_PAYLOAD_FIELDS[t as keyof typeof EVENT_PAYLOAD_FIELDS]))] };
}

/**
 * Save-time warnings (they never block saving): a template reading `event.X` that the triggers'
 * known event types do not carry, `steps.<s>` naming a step that is not an ancestor (through
 * `needs`) of the step reading it, or a top-level name the context does not have.
 */
function templateWarnings(triggers: TriggerDefinition[] | null, steps: StepDefinition[], rawIndex: number[], stepsPath: PathSegment[], c: Collector): void {
  const known = knownEventFields(triggers);
  const names = new Set(steps.map((s) => s.name));
  const dag = stepDag({ steps });
  steps.forEach((step, i) => {
    let refs: ReturnType<typeof templateVariables>;
    try {
      refs = templateVariables(step.config);
    } catch {
      return; // reported as a syntax error already
    }
    for (const ref of refs) {
      const at = [...stepsPath, rawIndex[i], 'config', ...ref.pathSegments];
      const [root, second] = ref.segments;
      if (!(TEMPLATE_ROOTS as readonly string[]).includes(String(root))) {
        if (!ref.defaulted) c.warn(at, DIAGNOSTIC_CODES.unknownTemplateVariable, `unknown template variable "${ref.variable}"; available: ${TEMPLATE_ROOTS.join(', ')}`);
      } else if (root === 'event' && typeof second === 'string' && known && !ref.defaulted) {
        if (!known.fields.includes(second)) {
          c.warn(at, DIAGNOSTIC_CODES.unknownEventField, `"${ref.variable}": ${known.types.join(' / ')} events have no payload field "${second}" (they have ${known.fields.join(', ')}); this is undefined at run time unless a producer adds it`);
        }
      } else if (root === 'steps' && typeof second === 'string') {
        if (!names.has(second)) c.warn(at, DIAGNOSTIC_CODES.unknownStepReference, `"${ref.variable}": there is no step named "${second}"`);
        else if (!dag.isAncestor(second, step.name)) {
          c.warn(at, DIAGNOSTIC_CODES.unknownStepReference, `"${ref.variable}": step "${second}" is not an ancestor of step "${step.name}" (add it to needs, directly or through a step it needs), so its outputs are not available`);
        }
      }
    }
  });
}

function finish<T>(c: Collector, value: T) {
  const errors = c.sorted(c.errors);
  const warnings = c.sorted(c.warnings);
  return errors.length ? { ok: false as const, errors, warnings } : { ok: true as const, value, errors: [] as [], warnings };
}

function load(input: unknown, opts: ParseOptions): { value: unknown; map?: SourceMap } | { errors: Diagnostic[] } {
  if (typeof input !== 'string') {
    // A parsed body gets the same text and depth rules as a YAML document.
    const problem = findInputProblem(input, { maxDepth: opts.maxDepth });
    if (!problem) return { value: input };
    const code = problem.code === 'DEPTH_LIMIT' ? DIAGNOSTIC_CODES.depthLimit : DIAGNOSTIC_CODES.invalidString;
    return { errors: [{ severity: 'error', code, path: problem.path, message: problem.message }] };
  }
  const loaded = loadYamlDocument(input, opts);
  return loaded.ok ? { value: loaded.value, map: loaded.map } : { errors: loaded.diagnostics };
}

/**
 * Parses and validates a pipeline document from YAML or JSON text (JSON is YAML 1.2), or from an
 * already-parsed object (an API body; diagnostics then have a path but no line/column).
 */
export function parsePipeline(input: unknown, opts: ParseOptions = {}): ParseResult {
  const loaded = load(input, opts);
  if ('errors' in loaded) return { ok: false, errors: loaded.errors, warnings: [] };
  const c = new Collector(loaded.map, typeof input === 'string' ? input : undefined);
  const doc = c.section(PipelineDocumentModel, loaded.value, [], 'a mapping with name and definition');
  let document: PipelineDocument | undefined;
  if (!doc.invalid.has('*') && isPlainObject(doc.value.definition)) {
    const defPath = ['definition'];
    const def = c.section(PipelineDefinitionModel, doc.value.definition, defPath);
    const triggers = Array.isArray(def.value.triggers)
      ? def.value.triggers.map((t, i) => parseTrigger(t, [...defPath, 'triggers', i], c)).filter((t): t is TriggerDefinition => t !== null)
      : null;
    const rawSteps = Array.isArray(def.value.steps) ? def.value.steps : [];
    const parsed = parseSteps(rawSteps, [...defPath, 'steps'], c, opts);
    const steps = parsed.steps;
    checkStepGraph(triggers, parsed, rawSteps, [...defPath, 'steps'], c);
    templateWarnings(triggers, steps, parsed.rawIndex, [...defPath, 'steps'], c);
    const concurrency = def.value.concurrency !== undefined && !def.invalid.has('concurrency') ? validateConcurrency(def.value.concurrency, [...defPath, 'concurrency']) : null;
    if (concurrency) c.issues(concurrency.issues);
    document = {
      name: doc.value.name as string,
      ...(doc.value.description !== undefined ? { description: doc.value.description as string } : {}),
      definition: {
        enabled: (def.value.enabled as boolean | undefined) ?? true,
        triggers: triggers ?? [],
        steps,
        ...(concurrency?.value ? { concurrency: concurrency.value } : {}),
      },
    };
  }
  const r = finish(c, document as PipelineDocument);
  return r.ok ? { ok: true, document: r.value, errors: [], warnings: r.warnings } : { ok: false, errors: r.errors, warnings: r.warnings };
}

/** Like parsePipeline, but throws PipelineValidationError (with every diagnostic) when invalid. */
export function parsePipelineOrThrow(input: unknown, opts: ParseOptions = {}): { document: PipelineDocument; warnings: Diagnostic[] } {
  const r = parsePipeline(input, opts);
  if (!r.ok) throw new PipelineValidationError([...r.errors, ...r.warnings]);
  return { document: r.document, warnings: r.warnings };
}

/**
 * Validates a partial document: `triggers:` or `steps:` with its list (as in the spec's snippets), or
 * the bare list. Paths read `triggers[0].event` / `steps[1].config.languages`.
 */
export function parseFragment<K extends FragmentKind>(input: unknown, kind: K, opts: ParseOptions = {}): FragmentResult<K> {
  const loaded = load(input, opts);
  if ('errors' in loaded) return { ok: false, errors: loaded.errors, warnings: [] };
  const c = new Collector(loaded.map, typeof input === 'string' ? input : undefined);
  let list: unknown = loaded.value;
  let base: PathSegment[] = [];
  if (isPlainObject(loaded.value)) {
    base = [kind];
    list = loaded.value[kind];
    for (const key of Object.keys(loaded.value)) {
      if (key !== kind) c.error([key], DIAGNOSTIC_CODES.unknownKey, `unknown key "${key}"; a ${kind} fragment has only "${kind}"`);
    }
    if (list === undefined) c.error([kind], DIAGNOSTIC_CODES.required, 'required');
  }
  let value: TriggerDefinition[] | StepDefinition[] = [];
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0) {
      c.error(base, DIAGNOSTIC_CODES.invalidValue, Array.isArray(list) ? 'must not be empty' : `must be a list, not ${describe(list)}`, 'value');
    } else if (kind === 'triggers') {
      value = list.map((t, i) => parseTrigger(t, [...base, i], c)).filter((t): t is TriggerDefinition => t !== null);
    } else {
      const parsed = parseSteps(list, base, c, opts);
      value = parsed.steps;
      checkStepGraph(null, parsed, list, base, c);
      templateWarnings(null, parsed.steps, parsed.rawIndex, base, c);
    }
  }
  return finish(c, value) as FragmentResult<K>;
}
