import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from './diagnostics';
import { parseFragment, parsePipeline, parsePipelineOrThrow } from './pipeline-parser';

const fixtures = join(__dirname, '..', 'fixtures');
const read = (dir: string, file: string) => readFileSync(join(fixtures, dir, file), 'utf8');
const brief = (d: Diagnostic) => [d.code, d.path, d.line, d.column];

describe('spec examples (fixtures/spec, verbatim from the product spec)', () => {
  const files = readdirSync(join(fixtures, 'spec')).filter((f) => f.endsWith('.yaml'));

  it('has every YAML block of the spec', () => {
    expect(files).toHaveLength(12);
  });

  it.each(files)('%s parses and validates with no errors and no warnings', (file) => {
    const source = read('spec', file);
    const kind = source.startsWith('triggers:') ? 'triggers' : source.startsWith('steps:') ? 'steps' : null;
    const result = kind ? parseFragment(source, kind) : parsePipeline(source);
    expect([...result.errors, ...result.warnings].map(formatDiagnostic)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('builds the typed model of the pipeline-structure example', () => {
    const { document } = parsePipelineOrThrow(read('spec', 'pipeline-structure.yaml'));
    expect(document.name).toBe('schema-change-pipeline');
    expect(document.definition.enabled).toBe(true);
    expect(document.definition.triggers).toEqual([
      { event: 'schema.changed', filters: { workspace_id: 'workspace-123', schema_type: ['openapi', 'protobuf'] } },
    ]);
    expect(document.definition.steps.map((s) => [s.name, s.step_type])).toEqual([
      ['regenerate-sdks', 'regenerate_sdk'],
      ['notify-teams', 'notify'],
    ]);
    expect(document.definition.steps[0].config).toEqual({ languages: ['typescript', 'python', 'rust'], workspace_id: '{{workspace_id}}' });
  });

  it('keeps the create_pr files list of use case 3', () => {
    const { document } = parsePipelineOrThrow(read('spec', 'use-case-3-drift-gitops-pr.yaml'));
    const step = document.definition.steps[0];
    expect(step.step_type).toBe('create_pr');
    if (step.step_type !== 'create_pr') return;
    expect(step.config.files).toEqual([{ path: 'drift-report.json', content: '{{event.drift_data}}', operation: 'create' }]);
  });

  it('parses the same document given as JSON text and as an object', () => {
    const { document } = parsePipelineOrThrow(read('spec', 'use-case-2-auto-promote-to-test.yaml'));
    expect(parsePipelineOrThrow(JSON.stringify(document, null, 2)).document).toEqual(document);
    expect(parsePipelineOrThrow(document).document).toEqual(document);
  });
});

describe('malformed documents (fixtures/invalid) report path, line and column', () => {
  const cases: [file: string, expected: (string | number)[][], message: string][] = [
    ['bad-yaml-syntax.yaml', [['YAML_SYNTAX', '', 10, 9]], 'indentation'],
    ['tab-indentation.yaml', [['YAML_SYNTAX', '', 4, 1]], 'tab characters must not be used in indentation'],
    ['unknown-top-level-key.yaml', [['UNKNOWN_KEY', 'nmae', 1, 1], ['REQUIRED', 'name', 1, 1]], 'unknown key "nmae"; did you mean "name"?'],
    ['unknown-definition-key.yaml', [['REQUIRED', 'definition.triggers', 2, 1], ['UNKNOWN_KEY', 'definition.trigger', 4, 3]], 'did you mean "triggers"?'],
    ['unknown-step-key.yaml', [['UNKNOWN_KEY', 'definition.steps[0].continue_on_failure', 8, 7]], 'unknown key "continue_on_failure"'],
    ['unknown-config-key.yaml', [['UNKNOWN_KEY', 'definition.steps[0].config.target_environment', 13, 9]], 'unknown key "target_environment"'],
    [
      'wrong-types.yaml',
      [
        ['INVALID_VALUE', 'definition.enabled', 3, 3],
        ['INVALID_VALUE', 'definition.steps[0].timeout', 9, 7],
        ['INVALID_VALUE', 'definition.steps[0].continue_on_error', 10, 7],
        ['INVALID_VALUE', 'definition.steps[0].config.languages', 12, 9],
      ],
      'must be true or false, not a string',
    ],
    [
      'unknown-step-type.yaml',
      [['UNKNOWN_STEP_TYPE', 'definition.steps[0].step_type', 7, 7]],
      'unknown step_type "deploy_k8s"; known step types: regenerate_sdk, auto_promote, notify, create_pr',
    ],
    ['unknown-language.yaml', [['INVALID_VALUE', 'definition.steps[1].config.languages', 14, 9]], 'unknown language "cobol"'],
    ['duplicate-step-names.yaml', [['DUPLICATE_STEP_NAME', 'definition.steps[1].name', 11, 13]], 'duplicate step name "notify"'],
    [
      'missing-required-fields.yaml',
      [
        ['REQUIRED', 'name', 1, 1],
        ['REQUIRED', 'definition.triggers[0].event', 3, 7],
        ['REQUIRED', 'definition.steps[0].config.entity_id', 8, 7],
        ['REQUIRED', 'definition.steps[0].config.to_environment', 8, 7],
      ],
      'required',
    ],
    ['empty-steps.yaml', [['INVALID_VALUE', 'definition.steps', 5, 3]], 'must not be empty'],
    ['bad-filter-object.yaml', [['INVALID_VALUE', 'definition.triggers[0].filters.schema_type', 6, 9]], 'not a mapping'],
    ['alias-bomb.yaml', [['ALIAS_EXPANSION_LIMIT', '', 7, 7]], 'expands to more than 100000 nodes'],
    [
      'bad-retries.yaml',
      [
        ['INVALID_VALUE', 'definition.steps[0].timeout', 8, 7],
        ['INVALID_VALUE', 'definition.steps[0].retries.max_attempts', 10, 9],
        ['INVALID_VALUE', 'definition.steps[0].retries.backoff_seconds', 11, 9],
        ['UNKNOWN_KEY', 'definition.steps[0].retries.jitter', 12, 9],
      ],
      'must be a whole number from 1 to 86400',
    ],
    ['literal-token.yaml', [['LITERAL_SECRET', 'definition.steps[0].config.token', 12, 9]], 'tokens must not be written in the pipeline; use {{secrets.NAME}}'],
    [
      'notify-field-of-other-type.yaml',
      [
        ['UNKNOWN_KEY', 'definition.steps[0].config.email_to', 11, 9],
        ['REQUIRED', 'definition.steps[1].config.email_to', 14, 7],
      ],
      '"email_to" is an option of email notifications, not of type slack',
    ],
    ['duplicate-keys.yaml', [['DUPLICATE_KEY', 'definition.steps[0].config.languages', 10, 9]], 'duplicate key "languages"'],
    [
      'bad-files.yaml',
      [
        ['INVALID_VALUE', 'definition.steps[0].config.repository', 9, 9],
        ['REQUIRED', 'definition.steps[0].config.files[0].content', 13, 13],
        ['INVALID_VALUE', 'definition.steps[0].config.files[0].operation', 14, 13],
        ['REQUIRED', 'definition.steps[0].config.files[2].content', 17, 13],
      ],
      'must be a URL; got "not a url"',
    ],
    ['template-syntax-error.yaml', [['TEMPLATE_SYNTAX', 'definition.steps[0].config.message', 10, 18]], 'not closed'],
    ['not-a-mapping.yaml', [['INVALID_VALUE', '', 1, 1]], 'must be a mapping'],
    ['multiple-documents.yaml', [['MULTIPLE_DOCUMENTS', '', 1, 1]], 'expected one YAML document'],
  ];

  it('covers every invalid fixture', () => {
    const files = readdirSync(join(fixtures, 'invalid')).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(cases.map((c) => c[0]).sort());
  });

  it.each(cases)('%s', (file, expected, message) => {
    const result = parsePipeline(read('invalid', file));
    expect(result.ok).toBe(false);
    expect(result.errors.map(brief)).toEqual(expected);
    expect(result.errors.every((d) => d.severity === 'error')).toBe(true);
    expect(result.errors.map((d) => d.message)).toContainEqual(expect.stringContaining(message));
  });

  it('formats a diagnostic as path: line col: message', () => {
    const result = parsePipeline(read('invalid', 'unknown-language.yaml'));
    expect(result.errors.map(formatDiagnostic)).toEqual(['definition.steps[1].config.languages: line 14 col 9: unknown language "cobol"']);
  });

  it('rejects a document over the size cap before parsing it', () => {
    const big = `name: big\ndescription: "${'x'.repeat(300 * 1024)}"\n`;
    const result = parsePipeline(big);
    expect(result.errors.map(brief)).toEqual([['DOCUMENT_TOO_LARGE', '', 1, 1]]);
    expect(parsePipeline(big, { maxBytes: 1024 * 1024 }).errors.map((d) => d.code)).not.toContain('DOCUMENT_TOO_LARGE');
  });

  it('rejects an empty document', () => {
    expect(parsePipeline('# nothing here\n').errors.map((d) => d.code)).toEqual(['EMPTY_DOCUMENT']);
  });

  it('throws PipelineValidationError listing every error', () => {
    expect(() => parsePipelineOrThrow(read('invalid', 'bad-retries.yaml'))).toThrow(/retries\.max_attempts: line 10 col 9/);
  });
});

describe('objects (API bodies) have paths but no positions', () => {
  const valid = () => ({
    name: 'api-pipeline',
    definition: {
      triggers: [{ event: 'promotion.completed' }],
      steps: [{ name: 'tell', step_type: 'notify', config: { type: 'webhook', webhook_url: 'https://example.com/h', message: 'done' } }],
    },
  });

  it('defaults enabled to true', () => {
    const r = parsePipeline(valid());
    expect(r.ok && r.document.definition.enabled).toBe(true);
  });

  it('reports unknown keys and wrong types by path', () => {
    const body: any = valid();
    body.owner = 'me';
    body.definition.steps[0].config.webhook_url = 'ftp://example.com';
    const r = parsePipeline(body);
    expect(r.errors.map((d) => [d.path, d.line, d.column])).toEqual([
      ['owner', undefined, undefined],
      ['definition.steps[0].config.webhook_url', undefined, undefined],
    ]);
  });

  it('does not let a __proto__ key reach the prototype', () => {
    const body = JSON.parse('{"name":"x","__proto__":{"polluted":true},"definition":{"triggers":[{"event":"a.b"}],"steps":[{"name":"s","step_type":"notify","config":{"type":"slack","message":"m"}}]}}');
    const r = parsePipeline(body);
    expect(r.errors.map((d) => d.path)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
  });
});

describe('step configs', () => {
  const withStep = (step: Record<string, unknown>, event = 'schema.changed') =>
    parsePipeline({ name: 'p', definition: { triggers: [{ event }], steps: [{ name: 's', ...step }] } });
  const paths = (r: ReturnType<typeof parsePipeline>) => r.errors.map((d) => `${d.path}: ${d.message}`);

  it('accepts templates in place of any typed value and checks only literals', () => {
    expect(
      withStep({
        step_type: 'auto_promote',
        config: { entity_type: '{{event.entity}}', entity_id: 42, from_environment: 'dev', to_environment: 'test', require_approval: '{{ event.strict }}' },
      }).ok,
    ).toBe(true);
    expect(paths(withStep({ step_type: 'auto_promote', config: { entity_type: 'widget', entity_id: 'x', from_environment: 'dev', to_environment: 'test' } }))).toEqual([
      'definition.steps[0].config.entity_type: unknown entity_type "widget"; expected one of scenario, persona, config',
    ]);
  });

  it('accepts a whole-value template for create_pr files and a template token', () => {
    const r = withStep({
      step_type: 'create_pr',
      config: { repository: 'https://github.com/o/r', branch: 'main', title: 't', files: '{{steps.gen.outputs.files}}', token: '{{secrets.GITHUB_TOKEN}}' },
    });
    expect(paths(r)).toEqual([]);
    expect(r.warnings.map((d) => d.message)).toEqual(['"steps.gen.outputs.files": there is no step named "gen"']);
  });

  it('requires email_to for email and webhook_url for webhook notifications', () => {
    expect(paths(withStep({ step_type: 'notify', config: { type: 'email', message: 'm', email_to: ['not-an-address'] } }))).toEqual([
      'definition.steps[0].config.email_to: item 0: not an email address: "not-an-address"',
    ]);
    expect(paths(withStep({ step_type: 'notify', config: { type: 'webhook', message: 'm' } }))).toEqual(['definition.steps[0].config.webhook_url: required']);
    expect(withStep({ step_type: 'notify', config: { type: 'email', message: 'm', email_to: '{{event.owners}}', subject: 'S' } }).ok).toBe(true);
  });

  it('accepts every variant field when the notify type is itself a template', () => {
    expect(withStep({ step_type: 'notify', config: { type: '{{event.channel}}', message: 'm', email_to: ['a@b.co'], channels: ['#x'] } }).ok).toBe(true);
  });

  it('keeps languages free of duplicates and non-empty', () => {
    expect(paths(withStep({ step_type: 'regenerate_sdk', config: { languages: [] } }))).toEqual(['definition.steps[0].config.languages: must not be empty']);
    expect(paths(withStep({ step_type: 'regenerate_sdk', config: { languages: ['rust', 'rust'] } }))).toEqual([
      'definition.steps[0].config.languages: language "rust" is listed twice',
    ]);
  });

  it('rejects step names that cannot be used in templates and job ids', () => {
    expect(paths(withStep({ name: 'has space', step_type: 'regenerate_sdk', config: { languages: ['rust'] } }))[0]).toMatch(/^definition\.steps\[0\]\.name: must start/);
  });
});

describe('save-time warnings', () => {
  const source = (message: string, event = 'scenario.published') => `name: warn
definition:
  triggers:
    - event: ${event}
  steps:
    - name: tell
      step_type: notify
      config:
        type: slack
        message: "${message}"
`;

  it('warns when a template names a payload field the event type lacks, at the value position', () => {
    const r = parsePipeline(source('Scenario {{event.scenario_nme}} published'));
    expect(r.ok).toBe(true);
    expect(r.warnings.map(brief)).toEqual([['UNKNOWN_EVENT_FIELD', 'definition.steps[0].config.message', 10, 18]]);
    expect(r.warnings[0].message).toContain('no payload field "scenario_nme"');
    expect(r.warnings[0].severity).toBe('warning');
  });

  it('does not warn for known fields, default filters or event types it does not know', () => {
    expect(parsePipeline(source('{{event.scenario_name}} {{ workspace_id }} {{ timestamp }}')).warnings).toEqual([]);
    expect(parsePipeline(source("{{ event.team | default: 'all' }}")).warnings).toEqual([]);
    expect(parsePipeline(source('{{event.anything}}', 'custom.event')).warnings).toEqual([]);
  });

  it('warns for unknown top-level variables', () => {
    expect(parsePipeline(source('{{ workspace }}')).warnings.map((d) => d.code)).toEqual(['UNKNOWN_TEMPLATE_VARIABLE']);
  });
});

describe('fragments', () => {
  it('validates a bare steps list with paths from the list', () => {
    const r = parseFragment('- name: a\n  step_type: regenerate_sdk\n  config:\n    languages: [cobol]\n', 'steps');
    expect(r.errors.map(brief)).toEqual([['INVALID_VALUE', '[0].config.languages', 4, 5]]);
  });

  it('rejects another top-level key beside the fragment kind', () => {
    const r = parseFragment('triggers:\n  - event: a.b\nsteps: []\n', 'triggers');
    expect(r.errors.map(brief)).toEqual([['UNKNOWN_KEY', 'steps', 3, 1]]);
  });

  it('returns the typed triggers', () => {
    const r = parseFragment('triggers:\n  - event: drift.threshold_exceeded\n', 'triggers');
    expect(r.ok && r.value).toEqual([{ event: 'drift.threshold_exceeded' }]);
  });
});
