import { anEvent } from '../test-builders';
import { dryRun } from './dry-run';
import type { EventEnvelope } from './events';
import { parsePipelineOrThrow } from './pipeline-parser';

const source = `name: release-sdk
definition:
  triggers:
    - event: schema.changed
      filters:
        schema_type: openapi
        workspace_id: ws-1
      debounce: { key: "{{ event.spec_path }}", period: 30s, max_wait: 5m }
    - event: scenario.published
  concurrency:
    group: "sdk-{{ event.spec_path }}"
    cancel_in_progress: true
  steps:
    - name: gen
      step_type: regenerate_sdk
      if: event.schema_type == 'openapi'
      config: { languages: [typescript], spec_path: "{{ event.spec_path }}" }
    - name: pr
      step_type: create_pr
      needs: [gen]
      if: steps.gen.outputs.files != null
      config:
        repository: https://github.com/org/repo
        branch: main
        title: "SDK for {{ event.spec_path }} at {{ timestamp }}"
        files: "{{ steps.gen.outputs.files }}"
        token: "{{ secrets.GITHUB_TOKEN }}"
    - name: tell
      step_type: notify
      needs: [pr]
      config:
        type: email
        email_to: [team@example.com]
        smtp_url: "smtp://bot:{{ secrets.SMTP_PASSWORD }}@mail.example.com:587"
        subject: "Run {{ execution_id }}"
        message: "Spec {{ event.spec_path }} by {{ event.author }}"
    - name: page_on_failure
      step_type: notify
      needs: [gen, pr, tell]
      if: failure()
      config: { type: webhook, webhook_url: "https://hooks.example.com/x", webhook_secret: "{{ secrets.HOOK_SECRET }}", message: failed }
    - name: protobuf_only
      step_type: notify
      needs: []
      if: "\${{ event.schema_type == 'protobuf' }}"
      config: { type: slack, message: proto }
    - name: after_protobuf
      step_type: notify
      needs: [protobuf_only]
      config: { type: slack, message: after }
`;

const document = parsePipelineOrThrow(source).document;
const schemaChanged = (payload: Record<string, unknown> = {}, extra: Partial<EventEnvelope> = {}) =>
  anEvent({ id: 'evt-1', type: 'schema.changed', occurred_at: '2026-03-01T10:00:00.000Z', payload: { spec_path: 'specs/api.yaml', schema_type: 'openapi', workspace_id: 'ws-1', ...payload }, ...extra });

describe('dryRun: triggers', () => {
  it('matches the first trigger and shows the debounce key and the concurrency group', () => {
    const r = dryRun(document, schemaChanged());
    expect(r).toMatchObject({ pipeline: 'release-sdk', enabled: true, matched: true, trigger: 0, event: { id: 'evt-1', type: 'schema.changed', workspaceId: 'ws-1' } });
    expect(r.triggers[0]).toMatchObject({ matched: true, debounce: { key: 'specs/api.yaml', period: '30s', maxWait: '5m' } });
    expect(r.triggers[0].debounce?.summary).toBe('events with the same key less than 30s apart start one execution, with the last event, 30s after the last one, at most 5m after the first');
    expect(r.triggers[1]).toEqual({ index: 1, event: 'scenario.published', matched: false, reason: 'EVENT_TYPE', message: 'the event is schema.changed; this trigger listens to scenario.published', filters: [] });
    expect(r.concurrency).toEqual({ group: 'sdk-specs/api.yaml', cancelInProgress: true, summary: 'one execution of the group runs at a time; a newer execution cancels the running one' });
  });

  it('names the filter that failed and the value the event has there', () => {
    const r = dryRun(document, schemaChanged({ schema_type: 'protobuf' }));
    expect(r.matched).toBe(false);
    expect(r.trigger).toBeUndefined();
    expect(r.triggers[0]).toMatchObject({ matched: false, reason: 'FILTER', message: 'filter schema_type: expected "openapi", the event has "protobuf" (payload)' });
    expect(r.triggers[0].filters).toEqual([
      { key: 'schema_type', matched: false, expected: 'openapi', source: 'payload', actual: 'protobuf' },
      { key: 'workspace_id', matched: true, expected: 'ws-1', source: 'payload', actual: 'ws-1' },
    ]);
  });

  it('reads a filter field from the envelope first, and says when the event lacks it', () => {
    const inEnvelope = dryRun(document, schemaChanged({}, { workspace_id: 'ws-2' }));
    expect(inEnvelope.triggers[0].message).toBe('filter workspace_id: expected "ws-1", the event has "ws-2" (envelope)');
    const missing = dryRun(document, anEvent({ type: 'schema.changed', payload: { spec_path: 'a.yaml', schema_type: 'openapi' } }));
    expect(missing.triggers[0].message).toBe('filter workspace_id: expected "ws-1", the event has no such field');
  });

  it('explains filters over lists and any-of values', () => {
    const doc = parsePipelineOrThrow({
      name: 'lists',
      definition: { triggers: [{ event: 'drift.threshold_exceeded', filters: { 'drift_data.level': ['high', 'critical'] } }], steps: [{ name: 's', step_type: 'notify', config: { type: 'slack', message: 'm' } }] },
    }).document;
    const event = anEvent({ type: 'drift.threshold_exceeded', payload: { endpoint: '/a', drift_count: 3, threshold: 1, drift_data: [{ level: 'low' }, { level: 'medium' }] } });
    expect(dryRun(doc, event).triggers[0].message).toBe('filter drift_data.level: expected ["high","critical"], the event has ["low","medium"] (payload)');
    event.payload.drift_data = [{ level: 'low' }, { level: 'critical' }];
    expect(dryRun(doc, event).matched).toBe(true);
  });

  it('does not start an owned pipeline for another workspace, nor a disabled one', () => {
    const other = dryRun(document, schemaChanged(), { workspaceId: 'ws-9' });
    expect(other).toMatchObject({ matched: false, workspace: { matched: false, message: 'the pipeline belongs to workspace ws-9; the event belongs to ws-1' } });
    expect(dryRun(document, schemaChanged(), { workspaceId: 'ws-1' })).toMatchObject({ matched: true, workspace: { matched: true } });
    const disabled = { ...document, definition: { ...document.definition, enabled: false } };
    expect(dryRun(disabled, schemaChanged())).toMatchObject({ enabled: false, matched: false, trigger: 0 });
  });

  it('reports a debounce key or group that cannot be rendered for this event', () => {
    const r = dryRun(document, schemaChanged({ spec_path: undefined }));
    expect(r.triggers[0].debounce?.error).toBe('triggers[0].debounce.key: undefined variable "event.spec_path"');
    expect(r.concurrency?.error).toBe('concurrency.group: undefined variable "event.spec_path"');
  });
});

describe('dryRun: the plan', () => {
  const plan = dryRun(document, schemaChanged()).plan;
  const step = (name: string) => plan.steps.find((s) => s.name === name)!;

  it('lists every step in written order with its needs', () => {
    expect(plan.steps.map((s) => [s.name, s.needs])).toEqual([
      ['gen', []],
      ['pr', ['gen']],
      ['tell', ['pr']],
      ['page_on_failure', ['gen', 'pr', 'tell']],
      ['protobuf_only', []],
      ['after_protobuf', ['protobuf_only']],
    ]);
    expect(plan.assumption).toContain('every step that runs succeeds');
  });

  it('decides conditions on the event now, and says what the others wait for', () => {
    expect(step('gen')).toMatchObject({ condition: { source: "event.schema_type == 'openapi'", decidableNow: true, value: true, runtimeInputs: [] }, outcome: 'runs' });
    expect(step('protobuf_only')).toMatchObject({
      condition: { decidableNow: true, value: false },
      outcome: 'skipped',
      skipReason: { code: 'CONDITION_FALSE', message: "if: ${{ event.schema_type == 'protobuf' }} is false" },
    });
    expect(step('after_protobuf')).toMatchObject({ condition: { source: null, decidableNow: false }, outcome: 'skipped', skipReason: { code: 'NEED_SKIPPED', need: 'protobuf_only' } });
    expect(step('pr')).toMatchObject({ condition: { decidableNow: false, runtimeInputs: ['steps.gen.outputs', 'steps.gen.status'] }, outcome: 'decided_at_run_time' });
    expect(step('tell')).toMatchObject({ condition: { source: null, decidableNow: false, runtimeInputs: ['steps.pr.status'] }, outcome: 'decided_at_run_time' });
  });

  it('skips a failure() step on the happy path, even past steps decided at run time', () => {
    expect(step('page_on_failure')).toMatchObject({ condition: { source: 'failure()', decidableNow: false }, outcome: 'skipped', skipReason: { code: 'CONDITION_FALSE' } });
  });

  it('reports a condition that cannot be evaluated for this event', () => {
    const doc = parsePipelineOrThrow({
      name: 'bad-json',
      definition: { triggers: [{ event: 'custom.x' }], steps: [{ name: 's', step_type: 'notify', if: 'fromJSON(event.raw).ok', config: { type: 'slack', message: 'm' } }] },
    }).document;
    expect(dryRun(doc, anEvent({ type: 'custom.x', payload: { raw: '{' } })).plan.steps[0]).toMatchObject({ outcome: 'fails', error: 'if: fromJSON(): not valid JSON: "{"', condition: { decidableNow: true } });
  });
});

describe('dryRun: rendered configs', () => {
  const steps = dryRun(document, schemaChanged(), { now: new Date('2026-03-01T10:00:05.000Z') }).plan.steps;
  const step = (name: string) => steps.find((s) => s.name === name)!;

  it('renders what the event decides and keeps what only the run knows, saying why', () => {
    expect(step('gen').config).toEqual({ languages: ['typescript'], spec_path: 'specs/api.yaml' });
    expect(step('pr').config).toMatchObject({ title: 'SDK for specs/api.yaml at 2026-03-01T10:00:05.000Z', files: '{{ steps.gen.outputs.files }}' });
    expect(step('pr').renderedAtRunTime).toEqual([{ path: 'files', reason: 'reads the outputs of step "gen", known once it has run' }]);
    expect(step('tell').renderedAtRunTime).toEqual([{ path: 'subject', reason: 'the execution id is assigned when the execution is created' }]);
  });

  it('shows every secret as *** (a whole value, or the password of a URL)', () => {
    expect(step('pr').config).toMatchObject({ token: '***' });
    expect(step('tell').config).toMatchObject({ smtp_url: 'smtp://bot:***@mail.example.com:587' });
    expect(step('page_on_failure').config).toMatchObject({ webhook_secret: '***' });
    expect(JSON.stringify(steps)).not.toMatch(/secrets\.(GITHUB_TOKEN|SMTP_PASSWORD|HOOK_SECRET)/);
  });

  it('reports a value that will fail at run time too', () => {
    expect(step('tell').renderErrors).toEqual([{ path: 'message', error: 'message: undefined variable "event.author"' }]);
    expect(step('tell').config).toMatchObject({ message: 'Spec {{ event.spec_path }} by {{ event.author }}' });
  });

  it('names the secrets each step uses and, with a scope, what is wrong with them', () => {
    const scoped = dryRun(document, schemaChanged(), {
      workspaceId: 'ws-1',
      secrets: { workspaceId: 'ws-1', workspaceSecretNames: new Set(['SMTP_PASSWORD']), operatorSecretNames: new Set(['GITHUB_TOKEN']), sharedWithWorkspace: new Set() },
    }).plan.steps;
    const secrets = Object.fromEntries(scoped.map((s) => [s.name, s.secrets]));
    expect(secrets.pr).toEqual([{ name: 'GITHUB_TOKEN', field: 'token', problem: expect.stringContaining('GITHUB_TOKEN is an operator credential that is not shared with workspace ws-1') }]);
    expect(secrets.tell).toEqual([{ name: 'SMTP_PASSWORD', field: 'smtp_url' }]);
    expect(secrets.page_on_failure).toEqual([{ name: 'HOOK_SECRET', field: 'webhook_secret', problem: expect.stringContaining('secret HOOK_SECRET is not set in workspace ws-1') }]);
  });

  it('says pipeline.id is known once saved, and renders it when given', () => {
    const doc = parsePipelineOrThrow({ name: 'ids', definition: { triggers: [{ event: 'a.b' }], steps: [{ name: 's', step_type: 'notify', config: { type: 'slack', message: '{{ pipeline.name }} {{ pipeline.id }}' } }] } }).document;
    const event = anEvent({ type: 'a.b' });
    expect(dryRun(doc, event).plan.steps[0].renderedAtRunTime).toEqual([{ path: 'message', reason: 'the pipeline id is assigned when the pipeline is saved' }]);
    expect(dryRun(doc, event, { pipelineId: 'p-7' }).plan.steps[0].config).toEqual({ type: 'slack', message: 'ids p-7' });
  });
});

describe('dryRun: bounded work', () => {
  it('renders every step within one shared budget: thousands of slow templates cannot hold the caller', () => {
    const slow = '{% for i in (1..300) %}{% for j in (1..300) %}{% endfor %}{% endfor %}';
    const steps = Array.from({ length: 40 }, (_, i) => `    - name: s${i}
      step_type: notify
      config:
        type: webhook
        webhook_url: "https://hooks.example.com/in"
        message: "${slow}${i}"`).join('\n');
    const doc = parsePipelineOrThrow(`name: slow\ndefinition:\n  triggers:\n    - event: scenario.published\n  steps:\n${steps}\n`).document;
    const result = dryRun(doc, anEvent({ type: 'scenario.published' }) as EventEnvelope);
    const errors = result.plan.steps.flatMap((s) => s.renderErrors.map((e) => e.error));
    // The budget ran out part of the way: the later steps' templates were refused, not rendered.
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => /resource limits/.test(e))).toBe(true);
    expect(result.plan.steps[result.plan.steps.length - 1].renderErrors).toHaveLength(1);
  });
});
