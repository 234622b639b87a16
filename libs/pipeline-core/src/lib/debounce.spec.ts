import { anEvent } from '../test-builders';
import { debounceConfig, debounceDecision, debounceKey, formatDuration, onTimer, parseDuration, simulateDebounce, type DebounceConfig, type DebounceState } from './debounce';
import type { EventEnvelope } from './events';

const S = 1000;

/**
 * A fake clock and the runtime's part (one timer per key, fired when due), so tests read as a
 * timeline: `at(10 * S).event(e)`, `advance(...)`, then look at what fired.
 */
function harness(config: DebounceConfig) {
  let now = 0;
  let state: DebounceState | null = null;
  let timer: number | null = null;
  const fired: { event: string; count: number; firstAt: number; at: number }[] = [];
  const runTimers = (until: number) => {
    while (state && timer !== null && timer <= until) {
      now = timer;
      const r = onTimer(state, now);
      if (r.action === 'fire') {
        fired.push({ event: r.fire.event.id, count: r.fire.count, firstAt: r.fire.firstAt, at: now });
        state = null;
        timer = null;
      } else timer = r.fireAt;
    }
  };
  return {
    fired,
    event(id: string, t: number) {
      runTimers(t);
      now = t;
      const d = debounceDecision(state, anEvent({ id }), now, config);
      if (d.flushed) fired.push({ event: d.flushed.event.id, count: d.flushed.count, firstAt: d.flushed.firstAt, at: now });
      state = d.state;
      timer = d.fireAt;
      return d;
    },
    advance(to: number) {
      runTimers(to);
      now = to;
    },
    get state() {
      return state;
    },
  };
}

describe('durations', () => {
  it.each([
    ['1s', 1000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1d2h3m4s', 93_784_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['', '30', '5 m', '1m1h', '1.5s', '-1s', '500ms', '1w'])('%p is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('debounceDecision / onTimer on a fake clock (period 30s)', () => {
  const config = debounceConfig({ period: '30s' });

  it('fires a lone event once the quiet period has passed', () => {
    const h = harness(config);
    expect(h.event('e1', 0)).toMatchObject({ fireAt: 30 * S });
    h.advance(29 * S);
    expect(h.fired).toEqual([]);
    h.advance(30 * S);
    expect(h.fired).toEqual([{ event: 'e1', count: 1, firstAt: 0, at: 30 * S }]);
  });

  it('coalesces a burst into one execution with the last event, after the last quiet period', () => {
    const h = harness(config);
    h.event('e1', 0);
    expect(h.event('e2', 10 * S).fireAt).toBe(40 * S);
    expect(h.event('e3', 25 * S).fireAt).toBe(55 * S);
    h.advance(54 * S);
    expect(h.fired).toEqual([]);
    h.advance(60 * S);
    expect(h.fired).toEqual([{ event: 'e3', count: 3, firstAt: 0, at: 55 * S }]);
  });

  it('starts a new burst after a quiet period', () => {
    const h = harness(config);
    h.event('e1', 0);
    h.event('e2', 31 * S);
    h.advance(100 * S);
    expect(h.fired.map((f) => [f.event, f.at])).toEqual([
      ['e1', 30 * S],
      ['e2', 61 * S],
    ]);
  });

  it('treats an event exactly at fireAt as the start of a new burst', () => {
    const d1 = debounceDecision(null, anEvent({ id: 'a' }), 0, config);
    const d2 = debounceDecision(d1.state, anEvent({ id: 'b' }), 30 * S, config);
    expect(d2.flushed).toMatchObject({ event: { id: 'a' }, count: 1, firedAt: 30 * S });
    expect(d2.state).toMatchObject({ firstAt: 30 * S, count: 1, fireAt: 60 * S });
  });

  it('flushes a burst whose timer is late when the next event comes', () => {
    const first = debounceDecision(null, anEvent({ id: 'a' }), 0, config);
    // The timer for 30s has not run yet (a busy worker) when an event arrives at 45s.
    const late = debounceDecision(first.state, anEvent({ id: 'b' }), 45 * S, config);
    expect(late.flushed).toMatchObject({ event: { id: 'a' }, count: 1, firstAt: 0, firedAt: 45 * S });
    expect(late).toMatchObject({ fireAt: 75 * S, state: { firstAt: 45 * S, lastAt: 45 * S, count: 1 } });
  });

  it('reschedules a timer that an event moved', () => {
    const d1 = debounceDecision(null, anEvent({ id: 'a' }), 0, config);
    const d2 = debounceDecision(d1.state, anEvent({ id: 'b' }), 20 * S, config);
    expect(onTimer(d2.state, 30 * S)).toEqual({ action: 'reschedule', fireAt: 50 * S, state: d2.state });
    expect(onTimer(d2.state, 50 * S)).toMatchObject({ action: 'fire', state: null, fire: { event: { id: 'b' }, count: 2 } });
  });
});

describe('max_wait bounds the delay from the first event (period 30s, max_wait 1m)', () => {
  const config = debounceConfig({ period: '30s', max_wait: '1m' });

  it('fires at first + max_wait under a steady stream, then starts over', () => {
    const h = harness(config);
    for (let t = 0; t <= 150; t += 20) h.event(`e${t}`, t * S);
    h.advance(500 * S);
    // Events every 20 s never leave 30 s of quiet: max_wait fires at 60 s (with the event of 40 s:
    // the one at 60 s arrives as the burst is due and starts the next), then at 120 s, then the tail.
    expect(h.fired).toEqual([
      { event: 'e40', count: 3, firstAt: 0, at: 60 * S },
      { event: 'e100', count: 3, firstAt: 60 * S, at: 120 * S },
      { event: 'e140', count: 2, firstAt: 120 * S, at: 170 * S },
    ]);
  });

  it('never schedules later than first + max_wait', () => {
    const d1 = debounceDecision(null, anEvent(), 0, config);
    const d2 = debounceDecision(d1.state, anEvent(), 25 * S, config);
    expect(d2.fireAt).toBe(55 * S);
    const d3 = debounceDecision(d2.state, anEvent(), 50 * S, config);
    expect(d3.fireAt).toBe(60 * S);
  });
});

describe('keys', () => {
  const pipeline = { id: 'p-1', name: 'sync' };
  const event = (payload: Record<string, unknown>, workspace_id = 'ws-a'): EventEnvelope => anEvent({ type: 'custom.changed', workspace_id, payload });

  it('keeps keys apart per rendered value, trigger, pipeline and workspace', () => {
    const def = { key: '{{ event.entity_id }}', period: '30s' };
    const k = (e: EventEnvelope, trigger = 0, p = pipeline) => {
      const r = debounceKey(def, trigger, { event: e, pipeline: p });
      if (!r.ok) throw new Error(r.error);
      return r.key;
    };
    expect(k(event({ entity_id: 'x' }))).toBe(k(event({ entity_id: 'x', other: 1 })));
    expect(new Set([k(event({ entity_id: 'x' })), k(event({ entity_id: 'y' })), k(event({ entity_id: 'x' }), 1), k(event({ entity_id: 'x' }), 0, { id: 'p-2', name: 'b' }), k(event({ entity_id: 'x' }, 'ws-b'))]).size).toBe(5);
  });

  it('uses one key for the trigger when no key is given', () => {
    const a = debounceKey({ period: '5m' }, 0, { event: event({ entity_id: 'x' }), pipeline });
    const b = debounceKey({ period: '5m' }, 0, { event: event({ entity_id: 'y' }), pipeline });
    expect(a).toEqual(b);
  });

  it('says clearly when the key cannot be rendered', () => {
    expect(debounceKey({ key: '{{ event.entity_id }}', period: '5m' }, 2, { event: event({}), pipeline })).toEqual({
      ok: false,
      error: 'triggers[2].debounce.key: undefined variable "event.entity_id"',
    });
  });

  it('runs different keys independently', () => {
    const fires = simulateDebounce(
      [
        { key: 'a', event: anEvent({ id: 'a1' }), at: 0 },
        { key: 'b', event: anEvent({ id: 'b1' }), at: 5 * S },
        { key: 'a', event: anEvent({ id: 'a2' }), at: 20 * S },
        { key: 'b', event: anEvent({ id: 'b2' }), at: 40 * S },
      ],
      debounceConfig({ period: '30s' }),
    );
    expect(fires.map((f) => [f.key, f.event.id, f.count, f.firedAt])).toEqual([
      ['b', 'b1', 1, 35 * S],
      ['a', 'a2', 2, 50 * S],
      ['b', 'b2', 1, 70 * S],
    ]);
  });
});
