import { checkCondition, compileCondition, decideCondition } from './condition';
import { ExpressionEvaluationError, Unresolved, evaluate, type EvaluationScope } from './evaluator';
import { EXPRESSION_LIMITS, ExpressionSyntaxError, parseExpression } from './parser';

const scope = (roots: Record<string, unknown> = {}, status: Partial<Record<'success' | 'failure' | 'cancelled', boolean | Unresolved>> = {}): EvaluationScope => ({
  root: (name) => roots[name],
  status: (fn) => status[fn] ?? fn === 'success',
});

const run = (source: string, roots: Record<string, unknown> = {}) => evaluate(parseExpression(source), scope(roots));

const syntaxError = (source: string): { message: string; offset: number } => {
  try {
    parseExpression(source);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return { message: e.message, offset: e.offset };
    throw e;
  }
  throw new Error(`parsed: ${source}`);
};

describe('literals and operators', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['null', null],
    ['711', 711],
    ['-9.2', -9.2],
    ['-2.99e-2', -0.0299],
    ['0xff', 255],
    ["'It''s open source!'", "It's open source!"],
    ["''", ''],
  ])('%s evaluates to %p', (source, value) => {
    expect(run(source)).toEqual(value);
  });

  it('gives ! the highest precedence, then comparisons, then ==, then &&, then ||', () => {
    expect(run('!false && false')).toBe(false);
    expect(run('true || false && false')).toBe(true);
    expect(run('(true || false) && false')).toBe(false);
    expect(run('1 < 2 == true')).toBe(true);
    expect(run('!!1')).toBe(true);
  });

  it('returns the deciding operand from && and || (as GitHub Actions does)', () => {
    expect(run("'' || 'fallback'")).toBe('fallback');
    expect(run("'a' && 'b'")).toBe('b');
    expect(run("0 && 'never'")).toBe(0);
    expect(run("null || 0")).toBe(0);
  });

  it('short-circuits: the right side is not evaluated when the left decides', () => {
    expect(run("false && fromJSON('not json')")).toBe(false);
    expect(run("true || fromJSON('not json')")).toBe(true);
    expect(() => run("true && fromJSON('not json')")).toThrow(ExpressionEvaluationError);
  });
});

describe('loose equality and comparison (GitHub Actions rules)', () => {
  it.each([
    // Different types are compared as numbers.
    ['null == 0', true],
    ['true == 1', true],
    ['false == 0', true],
    ["'' == 0", true],
    ["' 42 ' == 42", true],
    ["'0x1A' == 26", true],
    ["'abc' == 0", false],
    ["'1.0' == 1", true],
    ['null == false', true],
    // Same types compare by value; strings ignore case.
    ["'OpenAPI' == 'openapi'", true],
    ["'a' != 'A'", false],
    ['null == null', true],
    ["'1' == '1.0'", false],
    // NaN is never equal, never ordered.
    ["'abc' != 1", true],
    ["'abc' < 1", false],
    ["'abc' >= 1", false],
    // Ordering: numbers, strings ignoring case, mixed as numbers.
    ['1.002 > 1.001', true],
    ["'b' > 'A'", true],
    ["'10' > 9", true],
    ['true > false', true],
    ['null < 1', true],
  ])('%s is %p', (source, value) => {
    expect(run(source)).toBe(value);
  });

  it('compares lists and objects by identity and never orders them', () => {
    const list = [1];
    expect(run('a == a', { a: list })).toBe(true);
    expect(run('a == b', { a: [1], b: [1] })).toBe(false);
    expect(run('a < b', { a: {}, b: {} })).toBe(false);
    expect(run('a == 1', { a: [1] })).toBe(false);
  });

  it('treats false, 0, NaN, empty string and null as falsy, lists and objects as truthy', () => {
    for (const v of [false, 0, '', null]) expect(run('!a', { a: v })).toBe(true);
    for (const v of [true, 1, 'x', [], {}]) expect(run('!a', { a: v })).toBe(false);
    expect(run("!fromJSON('0')")).toBe(true);
  });
});

describe('property access', () => {
  const event = { schema_type: 'openapi', changes: [{ path: '/a' }], 'x-rate': 5, nested: { deep: { value: 3 } } };

  it('reads dotted paths, indexes and quoted keys; anything missing is null', () => {
    expect(run('event.nested.deep.value', { event })).toBe(3);
    expect(run('event.changes[0].path', { event })).toBe('/a');
    expect(run("event['x-rate']", { event })).toBe(5);
    expect(run('event.x-rate', { event })).toBe(5);
    expect(run('event.missing.deeper', { event })).toBeNull();
    expect(run('event.changes[5]', { event })).toBeNull();
    expect(run('event.changes.path', { event })).toBeNull();
  });

  it('never reads inherited properties', () => {
    expect(run('event.constructor', { event })).toBeNull();
    expect(run("event['__proto__']", { event })).toBeNull();
    expect(run('event.toString', { event })).toBeNull();
  });

  it('allows step names that start with a digit after a dot', () => {
    expect(run('steps.1-build.status', { steps: { '1-build': { status: 'succeeded' } } })).toBe('succeeded');
  });
});

describe('functions', () => {
  it.each([
    ["contains('Hello world', 'WORLD')", true],
    ["contains(fromJSON('[\"push\", \"pull_request\"]'), 'PUSH')", true],
    ["contains(fromJSON('[1, 2]'), '2')", true],
    ["contains(fromJSON('{\"a\": 1}'), 'a')", false],
    ["startsWith('Hello', 'he')", true],
    ["endsWith('report.json', '.JSON')", true],
    ["format('{0} of {1}: {{literal}}', 3, 'x')", '3 of x: {literal}'],
    ["join(fromJSON('[\"a\", 1, true, null]'), '-')", 'a-1-true-'],
    ["join('single')", 'single'],
    ["toJSON(fromJSON('{\"a\":[1]}'))", '{\n  "a": [\n    1\n  ]\n}'],
    ["fromJSON('42') > 41", true],
    ["CONTAINS('abc', 'b')", true],
  ])('%s is %p', (source, value) => {
    expect(run(source)).toEqual(value);
  });

  it('fails the evaluation on bad runtime input, with the offset of the call', () => {
    const expr = parseExpression("event.ok && fromJSON(event.raw)");
    expect(() => evaluate(expr, scope({ event: { ok: true, raw: '{oops' } }))).toThrow(/fromJSON\(\): not valid JSON/);
    try {
      evaluate(expr, scope({ event: { ok: true, raw: '{oops' } }));
    } catch (e) {
      expect((e as ExpressionEvaluationError).offset).toBe(12);
    }
  });

  it('turns a value too deep for the stack into an evaluation error, not a crash', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(() => run('toJSON(fromJSON(a))', { a: deep })).toThrow(/toJSON\(\): the value is nested too deeply/);
  });

  it('bounds what a function may produce', () => {
    const big = 'x'.repeat(60_000);
    expect(() => run("format('{0}{0}', a)", { a: big })).toThrow(/more than 100000 characters/);
    expect(() => run('fromJSON(a)', { a: `"${'y'.repeat(100_001)}"` })).toThrow(/at most 100000/);
  });
});

describe('syntax errors carry the offset', () => {
  it.each([
    ["event.x = 'a'", 8, '"=" is not an operator'],
    ['event.x == "a"', 11, 'single quotes'],
    ["'open", 0, 'string not closed'],
    ['(true', 5, 'expected ")"'],
    ['true false', 5, 'unexpected "false"'],
    ['event.', 6, 'expected a property name'],
    ['a & b', 2, 'use "&&"'],
    ['{{ event.x }}', 0, 'not a Liquid template'],
    ['${{ a }} && ${{ b }}', 0, 'one ${{ }}'],
    ['', 0, 'empty'],
    ['contains(a,', 11, 'ends too early'],
    ['steps.*.status', 6, 'object filters'],
    ['12abc', 0, 'not a number'],
  ])('%s → offset %i', (source, offset, message) => {
    const e = syntaxError(source);
    expect(e.message).toContain(message);
    expect(e.offset).toBe(offset);
  });

  it('accepts the optional ${{ }} wrapper and reports offsets in the original text', () => {
    expect(evaluate(parseExpression('${{ 1 == 1 }}'), scope())).toBe(true);
    expect(syntaxError('${{ 1 = 1 }}').offset).toBe(6);
  });

  it('bounds length and nesting', () => {
    expect(syntaxError(`'${'a'.repeat(EXPRESSION_LIMITS.maxLength)}'`).message).toContain('longer than 2000');
    expect(syntaxError(`${'('.repeat(40)}true${')'.repeat(40)}`).message).toContain('deeper than 32');
    expect(syntaxError(`${'!'.repeat(40)}true`).message).toContain('deeper than 32');
    expect(evaluate(parseExpression(`${'('.repeat(30)}true${')'.repeat(30)}`), scope())).toBe(true);
  });
});

describe('values not known yet (Unresolved)', () => {
  const pending = new Unresolved(['steps.a.outputs']);
  const unresolved = (source: string) => evaluate(parseExpression(source), scope({ steps: { a: { outputs: pending } }, event: { env: 'prod' } }));

  it('propagates through member access, comparisons and functions', () => {
    for (const source of ["steps.a.outputs.x == 'y'", 'contains(steps.a.outputs.list, 1)', '!steps.a.outputs.x']) {
      const v = unresolved(source);
      expect(v).toBeInstanceOf(Unresolved);
      expect((v as Unresolved).needs).toEqual(['steps.a.outputs']);
      expect((v as Unresolved).truthy).toBeUndefined();
    }
  });

  it('is still decided when the known side decides', () => {
    expect(unresolved("event.env == 'dev' && steps.a.outputs.x")).toBe(false);
    expect(unresolved("event.env == 'prod' || steps.a.outputs.x")).toBe(true);
    expect((unresolved("steps.a.outputs.x && event.env == 'dev'") as Unresolved).truthy).toBe(false);
    expect((unresolved("steps.a.outputs.x || event.env == 'prod'") as Unresolved).truthy).toBe(true);
    expect(unresolved("!(steps.a.outputs.x && event.env == 'dev')")).toBe(true);
  });
});

describe('checkCondition (save time)', () => {
  const opts = { step: 'deploy', steps: new Set(['build', 'test', 'deploy', 'later']), isAncestor: (n: string) => n === 'build' || n === 'test' };
  const problems = (source: string) => checkCondition(source, opts).problems.map((p) => [p.code, p.offset, p.message]);

  it('accepts the documented names, functions and status values', () => {
    for (const source of [
      "event.schema_type == 'openapi' && contains(envelope.source, 'registry')",
      "steps.build.status == 'failed' || steps.test.outputs.count > 3",
      "${{ failure() && steps['build'].status == 'Failed' }}",
      "workspace_id == 'ws-1' && workspace_name != ''",
      "format('{0}', event.x) == '1'",
      true,
    ]) {
      expect(checkCondition(source, opts).problems).toEqual([]);
    }
  });

  it('refuses steps that are not ancestors, unknown steps and the step itself, at the name', () => {
    expect(problems("steps.later.status == 'succeeded'")).toEqual([['NOT_AN_ANCESTOR', 6, expect.stringContaining('step "later" is not an ancestor of step "deploy"')]]);
    expect(problems('steps.nope.outputs.x')).toEqual([['NOT_AN_ANCESTOR', 6, 'there is no step named "nope"']]);
    expect(problems('steps.deploy.outputs.x')).toEqual([['NOT_AN_ANCESTOR', 6, expect.stringContaining('cannot read its own')]]);
  });

  it('refuses other names, unknown functions, wrong arity and misuse of steps', () => {
    expect(problems("github.event_name == 'push'")).toEqual([['EXPRESSION_INVALID', 0, expect.stringContaining('there is no github context')]]);
    expect(problems('secrets.TOKEN')).toEqual([['EXPRESSION_INVALID', 0, 'unknown name "secrets"; secrets cannot be read in conditions']]);
    expect(problems('hashFiles(event.x)')).toEqual([['EXPRESSION_INVALID', 0, expect.stringContaining('unknown function hashFiles()')]]);
    expect(problems("contains('a')")).toEqual([['EXPRESSION_INVALID', 0, 'contains() takes 2 arguments, not 1']]);
    expect(problems('success(1)')).toEqual([['EXPRESSION_INVALID', 0, 'success() takes 0 arguments, not 1']]);
    expect(problems('steps.build')).toEqual([['EXPRESSION_INVALID', 6, 'read steps.build.status or steps.build.outputs.<key>']]);
    expect(problems('steps.build.result')).toEqual([['EXPRESSION_INVALID', 12, 'read steps.build.status or steps.build.outputs.<key>']]);
    expect(problems('steps.build.status.x')).toEqual([['EXPRESSION_INVALID', 19, 'steps.build.status is a string; it has no properties']]);
    expect(problems('steps[event.name].status')).toEqual([['EXPRESSION_INVALID', 6, expect.stringContaining('named literally')]]);
    expect(problems('steps')).toEqual([['EXPRESSION_INVALID', 0, expect.stringContaining('name a step')]]);
    expect(problems('workspace_id.x')).toEqual([['EXPRESSION_INVALID', 13, 'workspace_id is a string; it has no properties']]);
  });

  it("says that GitHub's result names are not step statuses", () => {
    expect(problems("steps.build.status == 'success'")).toEqual([['EXPRESSION_INVALID', 22, expect.stringContaining('(did you mean "succeeded"?)')]]);
    expect(problems("'failure' != steps.build.status")).toEqual([['EXPRESSION_INVALID', 0, expect.stringContaining('did you mean "failed"')]]);
    expect(problems("event.status == 'success'")).toEqual([]);
  });

  it('checks literal format strings and fromJSON text', () => {
    expect(problems("format('{1}', 'a') == 'a'")).toEqual([['EXPRESSION_INVALID', 7, 'format: placeholder {1} has no argument (1 given)']]);
    expect(problems("fromJSON('{bad')")).toEqual([['EXPRESSION_INVALID', 9, 'fromJSON(): the literal is not valid JSON']]);
  });

  it('reports a syntax error alone, at its offset', () => {
    expect(problems("event.x == 'a' &&")).toEqual([['EXPRESSION_SYNTAX', 17, expect.stringContaining('ends too early')]]);
  });
});

describe('decideCondition', () => {
  const decide = (source: string | null, roots: Record<string, unknown>, status: Parameters<typeof scope>[1] = {}) =>
    decideCondition(source === null ? null : compileCondition(source), scope(roots, status));

  it('defaults to success() and adds success() to a condition without a status function', () => {
    expect(decide(null, {})).toEqual({ kind: 'true' });
    expect(decide(null, {}, { success: false })).toEqual({ kind: 'false', by: 'dependencies' });
    expect(decide('event.x', { event: { x: 1 } }, { success: false })).toEqual({ kind: 'false', by: 'dependencies' });
    expect(decide('event.x', { event: { x: 0 } })).toEqual({ kind: 'false', by: 'condition' });
    expect(decide('always() && event.x', { event: { x: 1 } }, { success: false })).toEqual({ kind: 'true' });
    expect(decide('!cancelled()', {}, { success: false })).toEqual({ kind: 'true' });
  });

  it('is false when the condition is false, even if success() is not known yet', () => {
    const unknown = new Unresolved(['steps.a.status']);
    expect(decide("event.env == 'prod'", { event: { env: 'dev' } }, { success: unknown })).toEqual({ kind: 'false', by: 'condition' });
    expect(decide("event.env == 'prod'", { event: { env: 'prod' } }, { success: unknown })).toEqual({ kind: 'unresolved', needs: ['steps.a.status'] });
  });

  it('reports an evaluation error instead of throwing', () => {
    expect(decide("fromJSON('[') == 1", {})).toEqual({ kind: 'error', message: "fromJSON(): not valid JSON: \"[\"" });
  });
});
