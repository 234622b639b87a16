import { STEP_RUN_STATUSES } from '../types';
import { DIAGNOSTIC_CODES } from '../diagnostics';
import { ExpressionEvaluationError, FUNCTIONS, STATUS_FUNCTIONS, Unresolved, evaluate, formatString, truthiness, type EvaluationScope } from './evaluator';
import { ExpressionSyntaxError, parseExpression, type Expr } from './parser';

/** The names a condition can read (docs/language.md). */
export const CONDITION_ROOTS = ['event', 'envelope', 'workspace_id', 'workspace_name', 'steps'] as const;

/** The statuses `steps.<name>.status` can have when a condition reads it (the step is finished). */
export const CONDITION_STEP_STATUSES = STEP_RUN_STATUSES.filter((s) => s !== 'pending' && s !== 'running');

/** A step's `if:`, parsed once (per definition, see the planner's cache). */
export interface CompiledCondition {
  source: string;
  expr: Expr;
  /**
   * True when the condition calls success(), failure(), cancelled() or always(). Otherwise it is
   * evaluated as `success() && (condition)`, as in GitHub Actions.
   */
  usesStatusFunction: boolean;
  /** `steps.<name>.outputs...` and `steps.<name>.status` it reads. */
  stepRefs: { step: string; field: 'outputs' | 'status'; start: number; end: number }[];
  /** `event.<field>` it reads (the first field after `event`). */
  eventRefs: { field: string; start: number; end: number }[];
}

export interface ConditionProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Offset in the condition's source (0 for a boolean). */
  offset: number;
}

type Segment = { name: string | number | null; start: number; end: number; dynamic?: Expr };
type Ref = { root: string; rootStart: number; rootEnd: number; segments: Segment[]; end: number };

/** Visits every root-name reference (`steps.a.outputs.x`, `event['k']`) and every call. */
function collect(expr: Expr, onRef: (ref: Ref) => void, onCall: (call: Extract<Expr, { kind: 'call' }>) => void, onNode?: (node: Expr) => void): void {
  const visit = (node: Expr): void => {
    onNode?.(node);
    if (node.kind === 'property' || node.kind === 'index') {
      const segments: Segment[] = [];
      let base: Expr = node;
      while (base.kind === 'property' || base.kind === 'index') {
        if (base.kind === 'property') segments.unshift({ name: base.name, start: base.end - base.name.length, end: base.end });
        else {
          const lit = base.index.kind === 'literal' && (typeof base.index.value === 'string' || typeof base.index.value === 'number') ? base.index.value : null;
          segments.unshift({ name: lit, start: base.index.start, end: base.end, dynamic: lit === null ? base.index : undefined });
        }
        base = base.object;
      }
      for (const s of segments) if (s.dynamic) visit(s.dynamic);
      if (base.kind === 'identifier') onRef({ root: base.name, rootStart: base.start, rootEnd: base.end, segments, end: node.end });
      else visit(base);
      return;
    }
    switch (node.kind) {
      case 'identifier':
        onRef({ root: node.name, rootStart: node.start, rootEnd: node.end, segments: [], end: node.end });
        return;
      case 'call':
        onCall(node);
        node.args.forEach(visit);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      default:
        return;
    }
  };
  visit(expr);
}

/** `steps.<name>.status` (or `steps['<name>'].status`). */
function isStepStatus(e: Expr): boolean {
  if (e.kind !== 'property' || e.name !== 'status') return false;
  const step = e.object;
  return (step.kind === 'property' || step.kind === 'index') && step.object.kind === 'identifier' && step.object.name === 'steps';
}

/** Parses a step's `if:` (a string, or a YAML boolean). Throws ExpressionSyntaxError. */
export function compileCondition(source: string | boolean): CompiledCondition {
  const text = typeof source === 'boolean' ? String(source) : source;
  const expr = parseExpression(text);
  const compiled: CompiledCondition = { source: text, expr, usesStatusFunction: false, stepRefs: [], eventRefs: [] };
  collect(
    expr,
    (ref) => {
      if (ref.root === 'steps') {
        const [name, field] = ref.segments;
        if (typeof name?.name === 'string' && (field?.name === 'outputs' || field?.name === 'status')) {
          compiled.stepRefs.push({ step: name.name, field: field.name, start: ref.rootStart, end: ref.end });
        }
      } else if (ref.root === 'event' && typeof ref.segments[0]?.name === 'string') {
        compiled.eventRefs.push({ field: ref.segments[0].name, start: ref.rootStart, end: ref.segments[0].end });
      }
    },
    (call) => {
      if ((STATUS_FUNCTIONS as readonly string[]).includes(call.name.toLowerCase())) compiled.usesStatusFunction = true;
    },
  );
  return compiled;
}

export interface ConditionCheckOptions {
  /** The step whose condition this is. */
  step: string;
  /** Every step name in the pipeline. */
  steps: ReadonlySet<string>;
  /** Whether the step may read `name`: an ancestor through `needs`. */
  isAncestor(name: string): boolean;
}

const OTHER_CONTEXTS: Record<string, string> = {
  github: 'there is no github context; the event is under event (payload) and envelope',
  needs: 'read a step you need as steps.<name>.status or steps.<name>.outputs.<key>',
  env: 'there are no environment variables in conditions',
  secrets: 'secrets cannot be read in conditions',
  inputs: 'there are no inputs; the event payload is under event',
};

/**
 * Save-time check of a condition with offsets: syntax, names (only `event`, `envelope`,
 * `workspace_id`, `workspace_name`, `steps`), functions and their arity, `steps.<name>` naming an
 * ancestor and reading `.outputs` or `.status`, status literals, and literal format/fromJSON arguments.
 */
export function checkCondition(source: string | boolean, opts: ConditionCheckOptions): { compiled?: CompiledCondition; problems: ConditionProblem[] } {
  const problems: ConditionProblem[] = [];
  const error = (code: string, message: string, offset: number) => problems.push({ severity: 'error', code, message, offset });
  let compiled: CompiledCondition;
  try {
    compiled = compileCondition(source);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return { problems: [{ severity: 'error', code: DIAGNOSTIC_CODES.expressionSyntax, message: e.message, offset: e.offset }] };
    throw e;
  }
  const invalid = DIAGNOSTIC_CODES.expressionInvalid;

  collect(
    compiled.expr,
    (ref) => {
      const { root, segments } = ref;
      if (!(CONDITION_ROOTS as readonly string[]).includes(root)) {
        const hint = OTHER_CONTEXTS[root.toLowerCase()] ?? `available: ${CONDITION_ROOTS.join(', ')}, and functions such as contains(...)`;
        error(invalid, `unknown name "${root}"; ${hint}`, ref.rootStart);
        return;
      }
      if ((root === 'workspace_id' || root === 'workspace_name') && segments.length) {
        error(invalid, `${root} is a string; it has no properties`, segments[0].start);
        return;
      }
      if (root !== 'steps') return;
      const [name, field, extra] = segments;
      if (!name) {
        error(invalid, 'name a step: steps.<name>.status or steps.<name>.outputs.<key>', ref.rootStart);
        return;
      }
      if (typeof name.name !== 'string') {
        error(invalid, "a step must be named literally (steps.build or steps['build']) so that its place in the graph is known", name.start);
        return;
      }
      if (!opts.steps.has(name.name)) {
        error(DIAGNOSTIC_CODES.notAnAncestor, `there is no step named "${name.name}"`, name.start);
        return;
      }
      if (name.name === opts.step) {
        error(DIAGNOSTIC_CODES.notAnAncestor, `step "${opts.step}" cannot read its own status or outputs: its condition is decided before it runs`, name.start);
        return;
      }
      if (!opts.isAncestor(name.name)) {
        error(DIAGNOSTIC_CODES.notAnAncestor, `step "${name.name}" is not an ancestor of step "${opts.step}" (add it to needs, directly or through a step it needs), so its result is not known when the condition is decided`, name.start);
        return;
      }
      if (!field || (field.name !== 'outputs' && field.name !== 'status')) {
        error(invalid, `read steps.${name.name}.status or steps.${name.name}.outputs.<key>`, field ? field.start : name.start);
        return;
      }
      if (field.name === 'status' && extra) error(invalid, `steps.${name.name}.status is a string; it has no properties`, extra.start);
    },
    (call) => {
      const fn = FUNCTIONS[call.name.toLowerCase()];
      if (!fn) {
        error(invalid, `unknown function ${call.name}(); available: ${Object.values(FUNCTIONS).map((f) => `${f.name}()`).join(', ')}`, call.start);
        return;
      }
      if (call.args.length < fn.min || call.args.length > fn.max) {
        const n = fn.min === fn.max ? `${fn.min}` : `${fn.min} to ${fn.max}`;
        error(invalid, `${fn.name}() takes ${n} argument${fn.max === 1 ? '' : 's'}, not ${call.args.length}`, call.start);
        return;
      }
      const first = call.args[0];
      if (fn.name === 'format' && first?.kind === 'literal' && typeof first.value === 'string') {
        try {
          formatString(first.value, call.args.slice(1));
        } catch (e) {
          error(invalid, (e as Error).message, first.start);
        }
      }
      if (fn.name === 'fromJSON' && first?.kind === 'literal' && typeof first.value === 'string') {
        try {
          JSON.parse(first.value);
        } catch {
          error(invalid, 'fromJSON(): the literal is not valid JSON', first.start);
        }
      }
    },
    (node) => {
      // `steps.x.status == 'success'`: GitHub's result names are not ours; say so at save time.
      if (node.kind !== 'binary' || (node.op !== '==' && node.op !== '!=')) return;
      for (const [a, b] of [
        [node.left, node.right],
        [node.right, node.left],
      ]) {
        if (isStepStatus(a) && b.kind === 'literal' && typeof b.value === 'string') {
          const known = (CONDITION_STEP_STATUSES as readonly string[]).includes(b.value.toLowerCase());
          if (!known) {
            const hint = { success: 'succeeded', failure: 'failed' }[b.value.toLowerCase()];
            error(invalid, `"${b.value}" is not a step status; statuses are ${CONDITION_STEP_STATUSES.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`, b.start);
          }
        }
      }
    },
  );
  return { compiled, problems: problems.sort((a, b) => a.offset - b.offset) };
}

export type ConditionOutcome =
  | { kind: 'true' }
  /** `dependencies`: the implicit success() was false; `condition`: the written condition was. */
  | { kind: 'false'; by: 'dependencies' | 'condition' }
  /** Depends on values not given (a step's outputs, the event): what is missing. */
  | { kind: 'unresolved'; needs: readonly string[] }
  /** Evaluation failed (fromJSON of bad text...): GitHub Actions fails the step, and so do we. */
  | { kind: 'error'; message: string };

function outcome(value: unknown, by: 'dependencies' | 'condition'): ConditionOutcome {
  const t = truthiness(value);
  if (t === true) return { kind: 'true' };
  if (t === false) return { kind: 'false', by };
  return { kind: 'unresolved', needs: (value as Unresolved).needs };
}

/**
 * Decides a step's condition: no condition means `success()`; a condition without a status
 * function means `success() && (condition)`.
 */
export function decideCondition(compiled: CompiledCondition | null, scope: EvaluationScope): ConditionOutcome {
  try {
    if (compiled?.usesStatusFunction) return outcome(evaluate(compiled.expr, scope), 'condition');
    const success = scope.status('success');
    if (success === false || !compiled) return outcome(success, 'dependencies');
    const value = evaluate(compiled.expr, scope);
    if (success === true) return outcome(value, 'condition');
    // success() not known yet: a condition that is false anyway decides.
    return truthiness(value) === false ? { kind: 'false', by: 'condition' } : { kind: 'unresolved', needs: Unresolved.of(success, value).needs };
  } catch (e) {
    if (e instanceof ExpressionEvaluationError) return { kind: 'error', message: e.message };
    throw e;
  }
}
