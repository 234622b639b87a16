import { TemplateError, TemplateRenderer, redactSecrets, templateVariables, type TemplateContext } from './template-renderer';

const ctx = (overrides: Partial<TemplateContext> = {}): TemplateContext => ({
  event: {
    scenario_id: 'sc-1',
    scenario_name: 'Checkout <happy path>',
    drift_count: 7,
    drift_data: { endpoint: '/pets', fields: ['id', 'name'] },
    changes: [{ path: '/pets', kind: 'added' }],
  },
  envelope: { id: 'evt-9', type: 'drift.threshold_exceeded' },
  workspace_id: 'ws-1',
  workspace_name: 'Payments',
  timestamp: '2025-01-01T00:00:00.000Z',
  execution_id: 'ex-1',
  pipeline: { id: 'p-1', name: 'drift-gitops-pr' },
  steps: { generate: { outputs: { files: [{ path: 'a.ts', content: 'x', operation: 'create' }], count: 1 } } },
  secrets: { GITHUB_TOKEN: 'ghp_secret_value' },
  ...overrides,
});

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();

  it('renders the spec variables into strings without HTML escaping', () => {
    expect(renderer.renderString('Scenario {{event.scenario_name}} promoted in {{workspace_id}} ({{ workspace_name }}) at {{timestamp}}', ctx())).toBe(
      'Scenario Checkout <happy path> promoted in ws-1 (Payments) at 2025-01-01T00:00:00.000Z',
    );
    expect(renderer.renderString('{{ pipeline.name }}/{{ execution_id }}/{{ envelope.id }}', ctx())).toBe('drift-gitops-pr/ex-1/evt-9');
  });

  it('keeps the native type of a value that is exactly one expression', () => {
    const config = renderer.renderConfig(
      {
        files: '{{steps.generate.outputs.files}}',
        count: '{{ steps.generate.outputs.count }}',
        data: '{{event.drift_data}}',
        nested: ['{{ event.drift_count }}', { deep: '{{event.changes}}' }],
        literal: 42,
      },
      ctx(),
    );
    expect(config).toEqual({
      files: [{ path: 'a.ts', content: 'x', operation: 'create' }],
      count: 1,
      data: { endpoint: '/pets', fields: ['id', 'name'] },
      nested: [7, { deep: [{ path: '/pets', kind: 'added' }] }],
      literal: 42,
    });
  });

  it('renders an object inside a larger string as JSON', () => {
    expect(renderer.renderString('report: {{event.drift_data}}', ctx())).toBe('report: {"endpoint":"/pets","fields":["id","name"]}');
    expect(renderer.renderConfig({ content: ' {{event.drift_data}} x' }, ctx())).toEqual({ content: ' {"endpoint":"/pets","fields":["id","name"]} x' });
  });

  it('writes a whole-value object as JSON when a string is required', () => {
    expect(renderer.renderString('{{event.drift_data}}', ctx())).toBe('{"endpoint":"/pets","fields":["id","name"]}');
  });

  it('fails on an undefined variable, naming the variable and the config path', () => {
    let caught: unknown;
    try {
      renderer.renderConfig({ files: [{ content: 'x {{event.scenario_nme}}' }] }, ctx());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    const err = caught as TemplateError;
    expect(err.message).toBe('files[0].content: undefined variable "event.scenario_nme"');
    expect([err.code, err.variable, err.path]).toEqual(['UNDEFINED_VARIABLE', 'event.scenario_nme', 'files[0].content']);
    expect(() => renderer.renderConfig({ v: '{{ steps.missing.outputs.x }}' }, ctx())).toThrow('v: undefined variable "steps.missing"');
  });

  it('uses the default filter for an undefined variable', () => {
    expect(renderer.renderString("{{ event.team | default: 'platform' }}", ctx())).toBe('platform');
    expect(renderer.renderValue("{{ event.labels | default: 'none' }}", ctx())).toBe('none');
    expect(renderer.renderString('{% if event.team %}team{% else %}everyone{% endif %}', ctx())).toBe('everyone');
  });

  it('does not expose prototype properties', () => {
    expect(() => renderer.renderString('{{ event.constructor }}', ctx())).toThrow(TemplateError);
  });

  it('fails fast on hostile templates instead of hanging', () => {
    expect(() => renderer.renderString('{% for i in (1..1000000000) %}x{% endfor %}', ctx())).toThrow(/resource limits/);
    expect(() => renderer.renderString('{% for i in (1..1000) %}{% for j in (1..1000) %}{{ i }}{% endfor %}{% endfor %}', ctx())).toThrow(TemplateError);
    const small = new TemplateRenderer({ parseLimit: 100 });
    expect(() => small.renderString(`{{ '${'x'.repeat(200)}' }}`, ctx())).toThrow(TemplateError);
  });

  it('shares one time budget across every template of a config: many slow templates cannot add up', () => {
    // Each template alone stays within its own limits; together they exceed the step's budget.
    const slow = '{% for i in (1..300) %}{% for j in (1..300) %}{% endfor %}{% endfor %}';
    const config = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, `${slow}${i}`]));
    let error: unknown;
    try {
      new TemplateRenderer({ configBudgetMs: 50 }).renderConfig(config, ctx());
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'TEMPLATE_LIMIT' });
    // The budget stopped it at one of the first templates, not at the last: the rest never ran.
    const at = Number(/^f(\d+)/.exec(String((error as { path?: unknown }).path ?? (error as Error).message))?.[1]);
    expect(at).toBeLessThan(199);
  });

  it('refuses unknown filters when compiling (so saving fails), and flags stray closing delimiters', () => {
    expect(() => renderer.compile('{{ event.x | no_such_filter }}')).toThrow(expect.objectContaining({ code: 'TEMPLATE_SYNTAX', message: expect.stringMatching(/no_such_filter/) }));
    expect(renderer.strayDelimiters('{{ event.x }} }}')).toBe('}}');
    expect(renderer.strayDelimiters('{% if x %}a{% endif %} %}')).toBe('%}');
    expect(renderer.strayDelimiters('{{ event.x }} fine')).toBeNull();
    expect(renderer.strayDelimiters('no template at all }}')).toBeNull();
  });

  it('cannot include files', () => {
    expect(() => renderer.renderString("{% include '/etc/passwd' %}", ctx())).toThrow(TemplateError);
    expect(() => renderer.renderString("{% render 'package.json' %}", ctx())).toThrow(TemplateError);
  });

  it('reports syntax errors with code TEMPLATE_SYNTAX', () => {
    expect(() => renderer.renderString('{% if x %}never closed', ctx())).toThrow(expect.objectContaining({ code: 'TEMPLATE_SYNTAX' }));
  });

  it('compiles each distinct template once and keeps at most cacheSize', () => {
    const r = new TemplateRenderer({ cacheSize: 2 });
    r.renderString('a {{ workspace_id }}', ctx());
    r.renderString('a {{ workspace_id }}', ctx({ workspace_id: 'ws-2' }));
    expect(r.cachedTemplates).toBe(1);
    expect(r.renderString('a {{ workspace_id }}', ctx({ workspace_id: 'ws-2' }))).toBe('a ws-2');
    r.renderString('b {{ workspace_id }}', ctx());
    r.renderString('c {{ workspace_id }}', ctx());
    expect(r.cachedTemplates).toBe(2);
  });

  it('leaves strings without template markers untouched', () => {
    expect(renderer.renderConfig({ a: 'plain {not a template}', b: true, c: null }, ctx())).toEqual({ a: 'plain {not a template}', b: true, c: null });
  });
});

describe('redactSecrets', () => {
  it('replaces every secret value in every string, deeply', () => {
    const value = { url: 'https://x:hunter22@smtp.example.com', list: ['Bearer ghp_secret_value', 3], nested: { s: 'ghp_secret_value ghp_secret_value' } };
    expect(redactSecrets(value, ['ghp_secret_value', 'hunter22', ''])).toEqual({
      url: 'https://x:***@smtp.example.com',
      list: ['Bearer ***', 3],
      nested: { s: '*** ***' },
    });
  });

  it('masks the longer secret first when one contains another', () => {
    expect(redactSecrets('token abc123456', ['abc', 'abc123456'])).toBe('token ***');
  });
});

describe('templateVariables', () => {
  it('lists the variables each config path reads, without loop variables', () => {
    const refs = templateVariables({
      message: 'Scenario {{event.scenario_name}} in {{ workspace_id }}',
      files: '{{steps.generate.outputs.files}}',
      body: "{% for c in event.changes %}{{ c.path }}{% endfor %}{{ event.team | default: 'x' }}",
      token: '{{secrets.GITHUB_TOKEN}}',
    });
    expect(refs.map((r) => [r.path, r.variable, r.defaulted])).toEqual([
      ['message', 'event.scenario_name', false],
      ['message', 'workspace_id', false],
      ['files', 'steps.generate.outputs.files', false],
      ['body', 'event.changes', false],
      ['body', 'event.team', true],
      ['token', 'secrets.GITHUB_TOKEN', false],
    ]);
  });
});
