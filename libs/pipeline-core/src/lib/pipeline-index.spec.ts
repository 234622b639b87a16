import { anEvent, anIndexedPipeline } from '../test-builders';
import { compileFilters, matchFilters } from './filters';
import { PipelineIndex } from './pipeline-index';
import type { TriggerDefinition } from './types';

const matches = (filters: TriggerDefinition['filters'], event = anEvent()) => matchFilters(compileFilters(filters), event);

describe('filters', () => {
  it('matches a scalar by equality and a list as any-of', () => {
    expect(matches({ schema_type: 'openapi' })).toBe(true);
    expect(matches({ schema_type: 'protobuf' })).toBe(false);
    expect(matches({ schema_type: ['protobuf', 'openapi'] })).toBe(true);
    expect(matches({ schema_type: ['protobuf', 'graphql'] })).toBe(false);
  });

  it('requires every filter key to match', () => {
    expect(matches({ schema_type: 'openapi', spec_path: 'specs/api.yaml' })).toBe(true);
    expect(matches({ schema_type: 'openapi', spec_path: 'other.yaml' })).toBe(false);
  });

  it('names envelope fields first, then payload fields', () => {
    const event = anEvent({ workspace_id: 'ws-1', source: 'registry', payload: { source: 'ignored', spec_path: 'a' } });
    expect(matches({ workspace_id: 'ws-1', source: 'registry', type: 'schema.changed', id: event.id }, event)).toBe(true);
    expect(matches({ source: 'ignored' }, event)).toBe(false);
    expect(matches({ 'payload.source': 'ignored' }, event)).toBe(true);
  });

  it('falls back to a payload workspace_id when the envelope has none', () => {
    const event = anEvent({ payload: { scenario_id: 's', workspace_id: 'workspace-123' }, type: 'scenario.published' });
    expect(matches({ workspace_id: 'workspace-123' }, event)).toBe(true);
    expect(matches({ workspace_id: 'workspace-999' }, event)).toBe(false);
  });

  it('reaches nested fields with dotted paths, through lists', () => {
    const event = anEvent({ payload: { drift_data: { level: 'high', endpoints: [{ method: 'GET' }, { method: 'POST' }] } } });
    expect(matches({ 'drift_data.level': 'high' }, event)).toBe(true);
    expect(matches({ 'drift_data.level': ['low', 'medium'] }, event)).toBe(false);
    expect(matches({ 'drift_data.endpoints.method': 'POST' }, event)).toBe(true);
    expect(matches({ 'drift_data.endpoints.method': 'DELETE' }, event)).toBe(false);
  });

  it('matches an event list field when any element matches', () => {
    const event = anEvent({ payload: { tags: ['beta', 'payments'] } });
    expect(matches({ tags: 'payments' }, event)).toBe(true);
    expect(matches({ tags: ['x', 'beta'] }, event)).toBe(true);
    expect(matches({ tags: 'other' }, event)).toBe(false);
  });

  it('never matches a missing field, whatever the filter value', () => {
    expect(matches({ missing: 'x' })).toBe(false);
    expect(matches({ missing: null })).toBe(false);
    expect(matches({ 'spec_path.deeper': 'x' })).toBe(false);
  });

  it('compares values as text, so a YAML number matches a string id', () => {
    const event = anEvent({ payload: { drift_count: 5, version: '2' } });
    expect(matches({ drift_count: '5', version: 2 }, event)).toBe(true);
  });

  it('does not read prototype properties', () => {
    expect(matches({ 'payload.constructor': 'x' })).toBe(false);
    expect(matches({ toString: 'x' })).toBe(false);
  });
});

describe('PipelineIndex', () => {
  it('names the first matching trigger, by its index in the document (its debounce decides)', () => {
    const index = new PipelineIndex();
    index.upsert(
      anIndexedPipeline({
        id: 'mixed',
        triggers: [
          { event: 'drift.threshold_exceeded' },
          { event: 'schema.changed', filters: { schema_type: 'protobuf' } },
          { event: 'schema.changed' },
          { event: 'schema.changed', filters: { schema_type: 'openapi' } },
        ],
      }),
    );
    expect(index.matchTriggers(anEvent()).map((m) => [m.pipeline.id, m.triggerIndex])).toEqual([['mixed', 2]]);
    expect(index.matchTriggers(anEvent({ payload: { schema_type: 'protobuf' } } as never)).map((m) => m.triggerIndex)).toEqual([1]);
    expect(index.matchTriggers(anEvent({ type: 'drift.threshold_exceeded', payload: {} })).map((m) => m.triggerIndex)).toEqual([0]);
  });

  it('matches by event type and filters, each pipeline at most once', () => {
    const index = new PipelineIndex();
    const both = anIndexedPipeline({ id: 'both', triggers: [{ event: 'schema.changed' }, { event: 'schema.changed', filters: { schema_type: 'openapi' } }] });
    index.upsert(both);
    index.upsert(anIndexedPipeline({ id: 'proto', triggers: [{ event: 'schema.changed', filters: { schema_type: 'protobuf' } }] }));
    index.upsert(anIndexedPipeline({ id: 'drift', triggers: [{ event: 'drift.threshold_exceeded' }] }));
    expect(index.match(anEvent()).map((p) => p.id)).toEqual(['both']);
    expect(index.match(anEvent({ type: 'drift.threshold_exceeded', payload: {} })).map((p) => p.id)).toEqual(['drift']);
    expect(index.match(anEvent({ type: 'nobody.listens' }))).toEqual([]);
  });

  it('matches a pipeline with triggers on two event types for either', () => {
    const index = new PipelineIndex();
    index.upsert(anIndexedPipeline({ id: 'multi', triggers: [{ event: 'schema.changed' }, { event: 'promotion.completed' }] }));
    expect(index.match(anEvent()).length).toBe(1);
    expect(index.match(anEvent({ type: 'promotion.completed' })).length).toBe(1);
  });

  it('shows a workspace-owned pipeline only events of its workspace', () => {
    const index = new PipelineIndex();
    index.upsert(anIndexedPipeline({ id: 'global' }));
    index.upsert(anIndexedPipeline({ id: 'owned', workspaceId: 'ws-1' }));
    expect(index.match(anEvent({ workspace_id: 'ws-1' })).map((p) => p.id).sort()).toEqual(['global', 'owned']);
    expect(index.match(anEvent({ workspace_id: 'ws-2' })).map((p) => p.id)).toEqual(['global']);
    expect(index.match(anEvent()).map((p) => p.id)).toEqual(['global']);
    expect(index.match(anEvent({ payload: { workspace_id: 'ws-1' } })).map((p) => p.id).sort()).toEqual(['global', 'owned']);
  });

  it('replaces on upsert, drops disabled pipelines, removes and clears', () => {
    const index = new PipelineIndex();
    index.upsert(anIndexedPipeline({ id: 'p', triggers: [{ event: 'schema.changed' }] }));
    index.upsert(anIndexedPipeline({ id: 'p', triggers: [{ event: 'drift.threshold_exceeded' }] }));
    expect(index.size).toBe(1);
    expect(index.match(anEvent())).toEqual([]);
    expect(index.match(anEvent({ type: 'drift.threshold_exceeded' })).map((p) => p.revisionId)).toEqual(['p-r1']);

    index.upsert(anIndexedPipeline({ id: 'p', enabled: false, triggers: [{ event: 'drift.threshold_exceeded' }] }));
    expect(index.size).toBe(0);
    expect(index.match(anEvent({ type: 'drift.threshold_exceeded' }))).toEqual([]);

    index.upsert(anIndexedPipeline({ id: 'a' }));
    index.upsert(anIndexedPipeline({ id: 'b' }));
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.ids()).toEqual(['b']);
    expect(index.get('b')?.id).toBe('b');
    index.clear();
    expect(index.size).toBe(0);
    expect(index.match(anEvent())).toEqual([]);
  });
});
