import { anEvent } from '../test-builders';
import { compileFilters, explainFilters, matchFilters } from './filters';
import type { TriggerDefinition } from './types';

describe('explainFilters', () => {
  const filters: TriggerDefinition['filters'][] = [
    { schema_type: 'openapi' },
    { schema_type: ['openapi', 'protobuf'], workspace_id: 'ws-1' },
    { 'changes.kind': 'removed' },
    { 'payload.schema_type': 'openapi' },
    { source: 'registry' },
    { count: 5 },
    { flag: null },
    {},
  ];
  const events = [
    anEvent(),
    anEvent({ workspace_id: 'ws-1' }),
    anEvent({ source: 'registry', payload: { schema_type: 'protobuf', workspace_id: 'ws-1', changes: [{ kind: 'added' }, { kind: 'removed' }], count: '5', flag: null } }),
    anEvent({ payload: { schema_type: 'openapi', changes: [{ kind: 'added' }], count: 6 } }),
  ];

  it('never disagrees with matching', () => {
    for (const f of filters) for (const e of events) expect(explainFilters(f, e).matched).toBe(matchFilters(compileFilters(f), e));
  });

  it('gives the first failing filter with where the value came from and what it was', () => {
    const e = events[2];
    expect(explainFilters({ schema_type: 'openapi', workspace_id: 'ws-1' }, e).failed).toEqual({ key: 'schema_type', matched: false, expected: 'openapi', source: 'payload', actual: 'protobuf' });
    expect(explainFilters({ 'changes.kind': 'renamed' }, e).failed).toMatchObject({ source: 'payload', actual: ['added', 'removed'] });
    expect(explainFilters({ source: 'ci' }, e).failed).toMatchObject({ source: 'envelope', actual: 'registry' });
    expect(explainFilters({ nothing: 'x' }, e).failed).toEqual({ key: 'nothing', matched: false, expected: 'x', source: 'missing' });
  });
});
