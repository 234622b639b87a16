import { anEvent } from '../test-builders';
import { backtest, type BacktestEvent } from './backtest';
import { parsePipelineOrThrow } from './pipeline-parser';

const M = 60_000;
const DAY1 = Date.parse('2026-03-01T09:00:00.000Z');
const DAY2 = Date.parse('2026-03-02T09:00:00.000Z');

const doc = (extra: Record<string, unknown> = {}, trigger: Record<string, unknown> = {}) =>
  parsePipelineOrThrow({
    name: 'sdk',
    definition: {
      triggers: [{ event: 'schema.changed', filters: { schema_type: 'openapi' }, ...trigger }],
      steps: [{ name: 'gen', step_type: 'regenerate_sdk', config: { languages: ['typescript'] } }],
      ...extra,
    },
  }).document;

const changed = (id: string, time: number | string, spec = 'specs/a.yaml', schema_type = 'openapi', workspace_id = 'ws-1'): BacktestEvent => ({
  event: anEvent({ id, type: 'schema.changed', workspace_id, payload: { spec_path: spec, schema_type } }),
  time,
});

const history = [
  changed('e1', DAY1),
  changed('e2', DAY1 + 1 * M),
  changed('e3', DAY1 + 2 * M),
  changed('e4', DAY1 + 3 * M, 'specs/b.yaml'),
  changed('e5', DAY1 + 4 * M, 'specs/a.yaml', 'protobuf'),
  changed('e6', DAY2),
  changed('e7', DAY2 + 10 * M),
];

describe('backtest', () => {
  it('counts events and matches per day and lists the first matching ids in stream order', () => {
    const r = backtest(doc(), [...history].reverse(), { sampleSize: 3 });
    expect(r).toMatchObject({ events: 7, undated: 0, matched: 6, executions: 6, firstMatches: ['e1', 'e2', 'e3'] });
    expect(r.days).toEqual([
      { date: '2026-03-01', events: 5, matched: 4, executions: 4 },
      { date: '2026-03-02', events: 2, matched: 2, executions: 2 },
    ]);
    expect(r.debounce).toBeUndefined();
    expect(r.concurrency).toBeUndefined();
  });

  it('reports how many executions debounce leaves (a burst per key becomes one)', () => {
    const r = backtest(doc({}, { debounce: { key: '{{ event.spec_path }}', period: '5m' } }), history);
    // Day 1: e1-e3 are one burst of specs/a.yaml, e4 is specs/b.yaml; day 2: e6 and e7 are 10 minutes apart.
    expect(r.debounce).toEqual({ events: 6, executions: 4, coalesced: 2, keyErrors: 0 });
    expect(r.executions).toBe(4);
    expect(r.days.map((d) => [d.date, d.matched, d.executions])).toEqual([
      ['2026-03-01', 4, 2],
      ['2026-03-02', 2, 2],
    ]);
  });

  it('counts events whose debounce key cannot be rendered as immediate executions', () => {
    const r = backtest(doc({}, { debounce: { key: '{{ event.team }}', period: '5m' } }), history.slice(0, 3));
    expect(r.debounce).toEqual({ events: 3, executions: 3, coalesced: 0, keyErrors: 3 });
  });

  it('estimates what concurrency would queue, with an assumed run time', () => {
    const events = [changed('a', 0), changed('b', 10_000), changed('c', 20_000), changed('d', 100_000)];
    const r = backtest(doc({ concurrency: { group: 'all' } }), events, { assumedRunMs: 60_000 });
    // a runs 0-60 s; b and c wait; b runs 60-120 s; d arrives at 100 s and waits behind c.
    expect(r.concurrency).toEqual({ groups: 1, executions: 4, queued: 3, cancelled: 0, maxWaiting: 2, keyErrors: 0, assumedRunMs: 60_000 });
  });

  it('estimates what cancel_in_progress would cancel', () => {
    const events = [changed('a', 0), changed('b', 10_000), changed('c', 20_000), changed('d', 100_000)];
    const r = backtest(doc({ concurrency: { group: '{{ event.spec_path }}', cancel_in_progress: true } }), events);
    expect(r.concurrency).toMatchObject({ groups: 1, queued: 0, cancelled: 2 });
  });

  it('keeps groups apart per rendered key and counts groups it cannot render', () => {
    const events = [changed('a', 0), changed('b', 1000, 'specs/b.yaml'), { event: anEvent({ id: 'x', type: 'schema.changed', payload: { schema_type: 'openapi' } }), time: 2000 }];
    expect(backtest(doc({ concurrency: { group: '{{ event.spec_path }}' } }), events).concurrency).toMatchObject({ groups: 2, queued: 0, keyErrors: 1 });
  });

  it('reads stream entry ids, ISO times and occurred_at, and leaves out what has no time', () => {
    const items: BacktestEvent[] = [
      changed('by-id', '1772355600000-0'),
      changed('by-iso', '2026-03-01T09:00:01.000Z'),
      { event: anEvent({ id: 'by-occurred', type: 'schema.changed', occurred_at: '2026-03-01T09:00:02.000Z', payload: { schema_type: 'openapi' } }) },
      { event: anEvent({ id: 'undated', type: 'schema.changed', occurred_at: 'not a time', payload: { schema_type: 'openapi' } }), time: 'garbage' },
    ];
    const r = backtest(doc(), items);
    expect(r).toMatchObject({ events: 4, undated: 1, matched: 3, firstMatches: ['by-id', 'by-iso', 'by-occurred'] });
    expect(r.days).toEqual([{ date: '2026-03-01', events: 3, matched: 3, executions: 3 }]);
  });

  it('sees only its own workspace when owned, and nothing when disabled', () => {
    const events = [changed('mine', 0), changed('theirs', 1000, 'specs/a.yaml', 'openapi', 'ws-2')];
    expect(backtest(doc(), events, { workspaceId: 'ws-1' })).toMatchObject({ matched: 1, firstMatches: ['mine'] });
    expect(backtest(doc({ enabled: false }), events)).toMatchObject({ events: 2, matched: 0, executions: 0 });
  });
});
