import { validateEvent } from './events';

describe('validateEvent', () => {
  const now = new Date('2025-02-03T04:05:06.000Z');

  it('accepts a full scenario.published envelope and keeps extra payload fields', () => {
    const raw = {
      id: 'evt-1',
      type: 'scenario.published',
      workspace_id: 'ws-1',
      workspace_name: 'Payments',
      occurred_at: '2025-01-01T00:00:00Z',
      source: 'registry',
      payload: { scenario_id: 'sc-1', scenario_name: 'Checkout', version: 3, workspace_id: 'ws-1', author: 'ana' },
    };
    expect(validateEvent(raw)).toEqual({ ok: true, event: raw });
  });

  it('fills a missing id from the stream entry id and a missing occurred_at from now', () => {
    const r = validateEvent({ type: 'drift.threshold_exceeded', payload: { endpoint: 'GET /pets', drift_count: 12, threshold: 10 } }, { fallbackId: '1700000000000-0', now });
    expect(r).toEqual({
      ok: true,
      event: {
        id: '1700000000000-0',
        type: 'drift.threshold_exceeded',
        occurred_at: '2025-02-03T04:05:06.000Z',
        payload: { endpoint: 'GET /pets', drift_count: 12, threshold: 10 },
      },
    });
  });

  it('names each missing or wrong payload field of the known event types', () => {
    expect(validateEvent({ id: 'e', type: 'scenario.published', payload: { scenario_name: 'x' } })).toEqual({ ok: false, errors: ['payload.scenario_id: required'] });
    const r = validateEvent({ id: 'e', type: 'schema.changed', payload: { spec_path: 'a.yaml', schema_type: 'graphql', changes: 'many' } });
    expect(r).toEqual({
      ok: false,
      errors: ['payload.schema_type: unknown schema_type "graphql"; expected one of openapi, protobuf', 'payload.changes: must be a list, not a string'],
    });
    expect(validateEvent({ id: 'e', type: 'promotion.completed', payload: { promotion_id: 'p', entity_type: 'scenario', from_environment: 'dev' } })).toEqual({
      ok: false,
      errors: ['payload.to_environment: required'],
    });
  });

  it('accepts the promotion.completed events auto_promote publishes (entity id, version, workspace)', () => {
    const payload = { promotion_id: 'p-1', entity_type: 'scenario', from_environment: 'dev', to_environment: 'test', entity_id: 'sc-1', version: '3', workspace_id: 'ws' };
    const res = validateEvent({ id: 'promotion.completed:p-1', type: 'promotion.completed', occurred_at: '2026-01-01T00:00:00Z', payload });
    expect(res.ok).toBe(true);
    expect(validateEvent({ id: 'x', type: 'promotion.completed', payload: { ...payload, version: { major: 1 } } })).toMatchObject({ ok: false });
  });

  it('refuses control characters in envelope strings (ids become keys and Postgres text)', () => {
    const res = validateEvent({ id: 'a\u0000b', type: 'custom.thing', workspace_id: 'ws\n1', payload: {} });
    expect(res).toEqual({ ok: false, errors: ['id: must not contain control characters', 'workspace_id: must not contain control characters'] });
  });

  it('lets other event types through unchecked', () => {
    expect(validateEvent({ id: 'e', type: 'custom.thing', payload: { anything: [1, 2] } }).ok).toBe(true);
  });

  it('rejects envelope problems with clear messages', () => {
    expect(validateEvent('not json')).toEqual({ ok: false, errors: ['(event): must be a JSON object'] });
    expect(validateEvent({ id: 'e', payload: {} })).toEqual({ ok: false, errors: ['type: required'] });
    expect(validateEvent({ id: 'e', type: 't', payload: {}, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })).toMatchObject({
      ok: true,
      event: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(validateEvent({ id: 'e', type: 't', payload: {}, traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' })).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^traceparent: must be a W3C traceparent/)],
    });
    expect(validateEvent({ id: 'e', type: 't', payload: [], extra: 1, occurred_at: 'yesterday' })).toEqual({
      ok: false,
      errors: ['extra: unknown key "extra"; allowed keys: id, type, workspace_id, workspace_name, occurred_at, source, traceparent, replay_of, payload', 'occurred_at: must be an ISO 8601 date-time (a real calendar date)', 'payload: must be a mapping, not a list'],
    });
    expect(validateEvent({ type: 't', payload: {} })).toEqual({ ok: false, errors: ['id: required (no id and no fallback id)'] });
  });
});
