import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from './diagnostics';
import { parseFragment, parsePipeline, parsePipelineOrThrow } from './pipeline-parser';

const brief = (d: Diagnostic) => [d.code, d.path, d.line, d.column];

/** A document whose steps (and trigger extras) are given as YAML text; line 1 is `name:`. */
const doc = (steps: string, opts: { trigger?: string; definition?: string; event?: string } = {}) => `name: lang
definition:
  triggers:
    - event: ${opts.event ?? 'schema.changed'}
${opts.trigger ?? ''}${opts.definition ?? ''}  steps:
${steps}`;

const notify = (name: string, extra = '') => `    - name: ${name}
      step_type: notify
${extra}      config: { type: slack, message: hi }
`;

describe('needs:', () => {
  it('parses a diamond, keeping needs as a list (a single name becomes a list of one)', () => {
    const { document } = parsePipelineOrThrow(
      doc(notify('build') + notify('ts', '      needs: build\n') + notify('py', '      needs: [build]\n') + notify('pr', '      needs: [ts, py]\n')),
    );
    expect(document.definition.steps.map((s) => [s.name, s.needs])).toEqual([
      ['build', undefined],
      ['ts', ['build']],
      ['py', ['build']],
      ['pr', ['ts', 'py']],
    ]);
  });

  it('points at the needs entry of an unknown name, a self-need and a duplicate', () => {
    const r = parsePipeline(doc(notify('build') + notify('ship', '      needs: [build, buidl, ship, build]\n')));
    // Line 11 is `      needs: [build, buidl, ship, build]`.
    expect(r.errors.map(brief)).toEqual([
      ['UNKNOWN_NEED', 'definition.steps[1].needs[1]', 11, 22],
      ['SELF_NEED', 'definition.steps[1].needs[2]', 11, 29],
      ['DUPLICATE_NEED', 'definition.steps[1].needs[3]', 11, 35],
    ]);
    expect(r.errors.map((d) => d.message)).toEqual(['there is no step named "buidl"', 'step "ship" cannot need itself', '"build" is listed twice']);
  });

  it('points at a single-name needs value and at a block list item', () => {
    const r = parsePipeline(doc(notify('a', '      needs: nope\n') + notify('b', '      needs:\n        - a\n        - ghost\n')));
    expect(r.errors.map(brief)).toEqual([
      ['UNKNOWN_NEED', 'definition.steps[0].needs', 8, 14],
      ['UNKNOWN_NEED', 'definition.steps[1].needs[1]', 14, 11],
    ]);
  });

  it('reports a cycle at the entry that closes it', () => {
    const r = parsePipeline(doc(notify('a', '      needs: [c]\n') + notify('b', '      needs: [a]\n') + notify('c', '      needs: [b]\n')));
    expect(r.errors.map(brief)).toEqual([['NEEDS_CYCLE', 'definition.steps[0].needs[0]', 8, 15]]);
    expect(r.errors[0].message).toBe('needs form a cycle: "a" needs "c" needs "b" needs "a"; no step of it could ever start');
  });

  it('refuses a needs value that is not a name or a list of names', () => {
    const r = parsePipeline(doc(notify('a', '      needs: [1]\n') + notify('b', '      needs: { a: 1 }\n')));
    expect(r.errors.map((d) => [d.path, d.line, d.message])).toEqual([
      ['definition.steps[0].needs', 8, 'must be a step name or a list of step names; item 0 is a number'],
      ['definition.steps[1].needs', 12, 'must be a step name or a list of step names, not a mapping'],
    ]);
  });

  it('checks needs in a steps fragment too', () => {
    const r = parseFragment('steps:\n  - name: a\n    step_type: notify\n    needs: [zz]\n    config: { type: slack, message: m }\n', 'steps');
    expect(r.errors.map(brief)).toEqual([['UNKNOWN_NEED', 'steps[0].needs[0]', 4, 13]]);
  });
});

describe('template warnings follow the graph', () => {
  it('warns for steps.X when X is not an ancestor, and not when needs makes it one', () => {
    const uses = (from: string) => `      config: { type: slack, message: "{{ steps.${from}.outputs.url }}" }\n`;
    const step = (name: string, needs: string, message: string) => `    - name: ${name}\n      step_type: notify\n${needs}${message}`;
    const parallel = parsePipeline(doc(step('a', '      needs: []\n', uses('b')) + step('b', '      needs: []\n', '      config: { type: slack, message: m }\n')));
    expect(parallel.ok).toBe(true);
    expect(parallel.warnings.map((d) => [d.code, d.path, d.line, d.column])).toEqual([['UNKNOWN_STEP_REFERENCE', 'definition.steps[0].config.message', 9, 39]]);
    expect(parallel.warnings[0].message).toBe(
      '"steps.b.outputs.url": step "b" is not an ancestor of step "a" (add it to needs, directly or through a step it needs), so its outputs are not available',
    );
    const joined = parsePipeline(doc(step('a', '      needs: [b]\n', uses('b')) + step('b', '      needs: []\n', '      config: { type: slack, message: m }\n')));
    expect(joined.warnings).toEqual([]);
  });

  it('accepts an ancestor two levels up (outputs of any ancestor are available)', () => {
    const r = parsePipeline(doc(notify('a') + notify('b') + `    - name: c\n      step_type: notify\n      config: { type: slack, message: "{{ steps.a.outputs.x }}" }\n`));
    expect(r.warnings).toEqual([]);
  });
});

describe('if:', () => {
  it('keeps the condition as written (string or boolean)', () => {
    const { document } = parsePipelineOrThrow(doc(notify('a', "      if: event.schema_type == 'openapi'\n") + notify('b', '      if: false\n') + notify('c', '      if: ${{ always() }}\n')));
    expect(document.definition.steps.map((s) => s.if)).toEqual(["event.schema_type == 'openapi'", false, '${{ always() }}']);
  });

  it('points at the token at fault in a plain, a quoted and a ${{ }} condition', () => {
    const r = parsePipeline(
      doc(
        notify('a', "      if: event.schema_type = 'openapi'\n") +
          notify('b', '      if: "steps.a.status == \'success\'"\n') +
          notify('c', "      if: ${{ github.ref == 'main' }}\n"),
      ),
    );
    expect(r.errors.map(brief)).toEqual([
      ['EXPRESSION_SYNTAX', 'definition.steps[0].if', 8, 29],
      ['EXPRESSION_INVALID', 'definition.steps[1].if', 12, 30],
      ['EXPRESSION_INVALID', 'definition.steps[2].if', 16, 15],
    ]);
  });

  it("counts a single-quoted scalar's doubled quotes", () => {
    const r = parsePipeline(doc(notify('a', "      if: 'event.x == ''a'' && nope.y'\n")));
    expect(r.errors.map(brief)).toEqual([['EXPRESSION_INVALID', 'definition.steps[0].if', 8, 32]]);
  });

  it('points into a block scalar line by line', () => {
    const r = parsePipeline(doc(notify('a') + notify('b', "      if: |\n        always() &&\n        needs.a.result == 'success'\n")));
    expect(r.errors.map(brief)).toEqual([['EXPRESSION_INVALID', 'definition.steps[1].if', 13, 9]]);
    expect(r.errors[0].message).toContain('unknown name "needs"');
  });

  it('refuses steps that are not ancestors, at the step name', () => {
    const r = parsePipeline(doc(notify('a', '      needs: []\n') + notify('b', "      needs: []\n      if: steps.a.outputs.ok == 'yes'\n")));
    expect(r.errors.map(brief)).toEqual([['NOT_AN_ANCESTOR', 'definition.steps[1].if', 13, 17]]);
  });

  it('warns (at the field) for an event field the trigger type does not have', () => {
    const r = parsePipeline(doc(notify('a', "      if: event.schema_typ == 'openapi'\n")));
    expect(r.ok).toBe(true);
    expect(r.warnings.map(brief)).toEqual([['UNKNOWN_EVENT_FIELD', 'definition.steps[0].if', 8, 11]]);
    expect(parsePipeline(doc(notify('a', '      if: event.anything\n'), { event: 'custom.event' })).warnings).toEqual([]);
  });

  it('refuses a value that is not an expression', () => {
    expect(parsePipeline(doc(notify('a', '      if: 3\n'))).errors.map((d) => [d.path, d.message])).toEqual([
      ['definition.steps[0].if', 'must be an expression such as "event.schema_type == \'openapi\'", not a number'],
    ]);
  });

  it('checks conditions of API bodies by path', () => {
    const body = { name: 'p', definition: { triggers: [{ event: 'a.b' }], steps: [{ name: 's', step_type: 'notify', if: 'nope()', config: { type: 'slack', message: 'm' } }] } };
    expect(parsePipeline(body).errors.map((d) => [d.code, d.path, d.line])).toEqual([['EXPRESSION_INVALID', 'definition.steps[0].if', undefined]]);
  });
});

describe('concurrency:', () => {
  it('parses a group template with cancel_in_progress, and the string shorthand', () => {
    const full = parsePipelineOrThrow(doc(notify('a'), { definition: '  concurrency:\n    group: "{{ event.spec_path }}"\n    cancel_in_progress: true\n' }));
    expect(full.document.definition.concurrency).toEqual({ group: '{{ event.spec_path }}', cancel_in_progress: true });
    const short = parsePipelineOrThrow(doc(notify('a'), { definition: '  concurrency: deploys\n' }));
    expect(short.document.definition.concurrency).toEqual({ group: 'deploys' });
  });

  it('reports bad fields, template syntax and run-time variables with positions', () => {
    const bad = (definition: string) => parsePipeline(doc(notify('a'), { definition })).errors.map(brief);
    expect(bad('  concurrency:\n    cancel_in_progress: yes\n')).toEqual([
      ['REQUIRED', 'definition.concurrency.group', 5, 3],
      ['INVALID_VALUE', 'definition.concurrency.cancel_in_progress', 6, 5],
    ]);
    expect(bad('  concurrency:\n    group: "{{ steps.a.outputs.x }}"\n')).toEqual([['TEMPLATE_VARIABLE_NOT_ALLOWED', 'definition.concurrency.group', 6, 12]]);
    expect(bad('  concurrency: "{{ secrets.X }}"\n')).toEqual([['TEMPLATE_VARIABLE_NOT_ALLOWED', 'definition.concurrency', 5, 16]]);
    expect(bad('  concurrency:\n    group: "{{ event.x "\n')).toEqual([['TEMPLATE_SYNTAX', 'definition.concurrency.group', 6, 12]]);
    expect(bad('  concurrency: [a]\n')).toEqual([['INVALID_VALUE', 'definition.concurrency', 5, 3]]);
    expect(bad('  concurrency:\n    group: g\n    queue: 3\n')).toEqual([['UNKNOWN_KEY', 'definition.concurrency.queue', 7, 5]]);
  });
});

describe('debounce:', () => {
  const trigger = (debounce: string) => `      debounce:\n${debounce}`;

  it('parses key, period and max_wait', () => {
    const { document } = parsePipelineOrThrow(doc(notify('a'), { trigger: trigger('        key: "{{ event.spec_path }}"\n        period: 30s\n        max_wait: 5m\n') }));
    expect(document.definition.triggers[0]).toEqual({ event: 'schema.changed', debounce: { key: '{{ event.spec_path }}', period: '30s', max_wait: '5m' } });
  });

  it('reports bad durations, bounds, max_wait below period and unknown keys, each at its field', () => {
    const errs = (d: string) => parsePipeline(doc(notify('a'), { trigger: trigger(d) })).errors.map((e) => [...brief(e), e.message]);
    expect(errs('        period: 30\n')).toEqual([['INVALID_VALUE', 'definition.triggers[0].debounce.period', 6, 9, 'must be a string, not a number']]);
    expect(errs('        period: soon\n')).toEqual([['INVALID_VALUE', 'definition.triggers[0].debounce.period', 6, 9, 'must be a duration such as 30s, 5m, 1h30m or 2d; got "soon"']]);
    expect(errs('        period: 500ms\n')).toEqual([['INVALID_VALUE', 'definition.triggers[0].debounce.period', 6, 9, 'must be a duration such as 30s, 5m, 1h30m or 2d; got "500ms"']]);
    expect(errs('        period: 8d\n')).toEqual([['INVALID_VALUE', 'definition.triggers[0].debounce.period', 6, 9, 'must be from 1s to 7d; got 8d']]);
    expect(errs('        period: 5m\n        max_wait: 1m\n')).toEqual([['INVALID_VALUE', 'definition.triggers[0].debounce.max_wait', 7, 9, 'must be at least the period (5m); got 1m']]);
    expect(errs('        key: x\n')).toEqual([['REQUIRED', 'definition.triggers[0].debounce.period', 5, 7, 'required']]);
    expect(errs('        period: 1s\n        delay: 1s\n')).toEqual([['UNKNOWN_KEY', 'definition.triggers[0].debounce.delay', 7, 9, expect.stringContaining('unknown key "delay"')]]);
    expect(errs('        period: 1s\n        key: "{{ execution_id }}"\n')).toEqual([
      ['TEMPLATE_VARIABLE_NOT_ALLOWED', 'definition.triggers[0].debounce.key', 7, 14, expect.stringContaining('"execution_id" cannot be used in a debounce key')],
    ]);
  });
});

describe('every spec example still parses exactly as before (additive language)', () => {
  const dirs = [join(__dirname, '..', 'fixtures', 'spec'), join(__dirname, '..', '..', '..', '..', 'examples')];
  const files = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml') && !/^(event|step)-/.test(f)).map((f) => join(dir, f)));

  it.each(files)('%s', (file) => {
    const r = parsePipeline(readFileSync(file, 'utf8'));
    expect([...r.errors, ...r.warnings].map(formatDiagnostic)).toEqual([]);
    const definition = r.document!.definition;
    expect(definition.concurrency).toBeUndefined();
    for (const s of definition.steps) expect([s.needs, s.if]).toEqual([undefined, undefined]);
    for (const t of definition.triggers) expect(t.debounce).toBeUndefined();
  });
});
