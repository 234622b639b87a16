import type { PathSegment } from './diagnostics';
import { checkKeyTemplate, renderEventKey, scopedKey, type EventKeyInput } from './event-keys';
import type { EventEnvelope } from './events';
import { eventWorkspaceId } from './filters';
import type { TemplateRenderer } from './template-renderer';
import type { DebounceDefinition } from './types';
import { Field, str } from './validation/checks';
import { validateSection, type SectionIssue } from './validation/section';

/**
 * `debounce:` on a trigger, with Inngest's semantics (docs/language.md): events with the same key
 * arriving less than `period` apart form a burst; the burst starts one execution, with its last
 * event, once `period` has passed without another one — or at the latest `max_wait` after its
 * first event. Everything here is pure: the runtime keeps the state per key and runs the timer.
 */
export const DEBOUNCE_LIMITS = { minMs: 1000, maxMs: 7 * 24 * 3600 * 1000 } as const;

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `30s`, `5m`, `1h30m`, `2d` → milliseconds; null when it is not such a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return null;
  const ms = ['d', 'h', 'm', 's'].reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * UNITS[unit], 0);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** 5400000 → `1h30m` (for messages and reports). */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

export class DebounceModel {
  /** A template such as `{{event.entity_id}}`; absent: one key for the trigger. */
  @Field(str({ max: 400 }))
  key: unknown;

  @Field(str({ max: 40 }), { required: true })
  period: unknown;

  @Field(str({ max: 40 }))
  max_wait: unknown;
}

const durationHint = 'must be a duration such as 30s, 5m, 1h30m or 2d';
const bounds = `from ${formatDuration(DEBOUNCE_LIMITS.minMs)} to ${formatDuration(DEBOUNCE_LIMITS.maxMs)}`;

/** Parses a trigger's `debounce:`; every issue has the path of the field at fault. */
export function validateDebounce(input: unknown, path: PathSegment[]): { value?: DebounceDefinition; issues: SectionIssue[] } {
  const r = validateSection(DebounceModel, input, path, 'a mapping {key, period, max_wait}');
  const issues = [...r.issues];
  if (r.invalid.has('*')) return { issues };
  const problem = (field: string, message: string) => issues.push({ path: [...path, field], code: 'INVALID_VALUE', message });
  const duration = (field: 'period' | 'max_wait'): number | null => {
    const text = r.value[field];
    if (typeof text !== 'string' || r.invalid.has(field)) return null;
    const ms = parseDuration(text);
    if (ms === null) problem(field, `${durationHint}; got "${text}"`);
    else if (ms < DEBOUNCE_LIMITS.minMs || ms > DEBOUNCE_LIMITS.maxMs) problem(field, `must be ${bounds}; got ${text}`);
    else return ms;
    return null;
  };
  const period = duration('period');
  const maxWait = duration('max_wait');
  if (period !== null && maxWait !== null && maxWait < period) problem('max_wait', `must be at least the period (${r.value.period}); got ${r.value.max_wait}`);
  if (typeof r.value.key === 'string') issues.push(...checkKeyTemplate(r.value.key, [...path, 'key'], 'a debounce key'));
  if (issues.length || period === null) return { issues };
  const value: DebounceDefinition = { period: r.value.period as string };
  if (r.value.key !== undefined) value.key = r.value.key as string;
  if (r.value.max_wait !== undefined) value.max_wait = r.value.max_wait as string;
  return { value, issues };
}

export interface DebounceConfig {
  periodMs: number;
  /** Longest delay from a burst's first event to its execution. */
  maxWaitMs?: number;
}

/** The timing of a validated `debounce:`. Throws on durations the parser would have refused. */
export function debounceConfig(def: DebounceDefinition): DebounceConfig {
  const periodMs = parseDuration(def.period);
  const maxWaitMs = def.max_wait === undefined ? undefined : parseDuration(def.max_wait);
  if (periodMs === null || maxWaitMs === null) throw new Error(`invalid debounce durations: ${JSON.stringify(def)}`);
  return maxWaitMs === undefined ? { periodMs } : { periodMs, maxWaitMs };
}

export type DebounceKey = { ok: true; key: string } | { ok: false; error: string };

/**
 * The key an event is debounced under: the pipeline, the trigger, the event's workspace (a global
 * pipeline never merges two workspaces' events) and the rendered `key`. A render error comes back
 * as `error` (the runtime then starts the execution at once rather than lose the event).
 */
export function debounceKey(def: DebounceDefinition, triggerIndex: number, input: EventKeyInput, renderer?: TemplateRenderer): DebounceKey {
  let text = '';
  if (def.key !== undefined) {
    const rendered = renderEventKey(def.key, input, `triggers[${triggerIndex}].debounce.key`, renderer);
    if (!rendered.ok) return rendered;
    text = rendered.text;
  }
  return { ok: true, key: scopedKey(['debounce', input.pipeline.id, String(triggerIndex), eventWorkspaceId(input.event) ?? '', text]) };
}

/** One key's burst, waiting for its quiet period. Times are milliseconds (the runtime's clock). */
export interface DebounceState {
  /** When the burst's first event arrived. */
  firstAt: number;
  /** When its last event arrived. */
  lastAt: number;
  /** The last event: the one the execution gets. */
  event: EventEnvelope;
  /** Events in the burst. */
  count: number;
  /** When the burst fires unless another event arrives first. */
  fireAt: number;
}

/** A burst that is due: start one execution with `event`. */
export interface DebounceFire {
  event: EventEnvelope;
  count: number;
  firstAt: number;
  firedAt: number;
}

export interface DebounceDecision {
  state: DebounceState;
  /** Set (or move) the key's timer to this time. */
  fireAt: number;
  /**
   * The previous burst was already due (its timer had not run yet when this event came): start it
   * now; this event begins a new burst.
   */
  flushed?: DebounceFire;
}

/**
 * An event arrives for a key at `now`. The quiet period restarts from it; `max_wait` caps the wait
 * from the burst's first event. The burst keeps the last event.
 */
export function debounceDecision(state: DebounceState | null, event: EventEnvelope, now: number, config: DebounceConfig): DebounceDecision {
  if (state && now < state.fireAt) {
    const fireAt = Math.min(now + config.periodMs, config.maxWaitMs === undefined ? Infinity : state.firstAt + config.maxWaitMs);
    return { state: { firstAt: state.firstAt, lastAt: now, event, count: state.count + 1, fireAt }, fireAt };
  }
  const fresh: DebounceState = { firstAt: now, lastAt: now, event, count: 1, fireAt: now + Math.min(config.periodMs, config.maxWaitMs ?? Infinity) };
  const decision: DebounceDecision = { state: fresh, fireAt: fresh.fireAt };
  if (state) decision.flushed = { event: state.event, count: state.count, firstAt: state.firstAt, firedAt: now };
  return decision;
}

export type DebounceTimerResult =
  /** Start one execution with `fire.event` and forget the key's state. */
  | { action: 'fire'; fire: DebounceFire; state: null }
  /** The timer is early (an event moved `fireAt`): set it again. */
  | { action: 'reschedule'; fireAt: number; state: DebounceState };

/** The key's timer went off at `now`. */
export function onTimer(state: DebounceState, now: number): DebounceTimerResult {
  if (now >= state.fireAt) return { action: 'fire', fire: { event: state.event, count: state.count, firstAt: state.firstAt, firedAt: now }, state: null };
  return { action: 'reschedule', fireAt: state.fireAt, state };
}

/** One key's events in arrival order, replayed as the runtime would (used by the backtest and tests). */
export interface DebounceArrival {
  key: string;
  event: EventEnvelope;
  /** Arrival time, ms. */
  at: number;
}

/**
 * Replays arrivals (sorted by `at`) through debounceDecision/onTimer, firing each key's timer at its
 * `fireAt`: the executions debounce would start, in the order they start.
 */
export function simulateDebounce(arrivals: readonly DebounceArrival[], config: DebounceConfig): (DebounceFire & { key: string })[] {
  const states = new Map<string, DebounceState>();
  const fired: (DebounceFire & { key: string })[] = [];
  // Timers as a min-heap of [fireAt, key], one pushed per arrival; stale ones are skipped when popped.
  const timers: [number, string][] = [];
  const push = (t: [number, string]) => {
    timers.push(t);
    for (let i = timers.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (timers[p][0] <= timers[i][0]) break;
      [timers[p], timers[i]] = [timers[i], timers[p]];
      i = p;
    }
  };
  const pop = (): [number, string] => {
    const top = timers[0];
    const last = timers.pop();
    if (last && timers.length) {
      timers[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < timers.length && timers[l][0] < timers[m][0]) m = l;
        if (r < timers.length && timers[r][0] < timers[m][0]) m = r;
        if (m === i) break;
        [timers[m], timers[i]] = [timers[i], timers[m]];
        i = m;
      }
    }
    return top;
  };
  const fireDue = (until: number) => {
    while (timers.length && timers[0][0] <= until) {
      const [at, key] = pop();
      const state = states.get(key);
      if (!state) continue;
      const r = onTimer(state, at);
      // A timer an event has moved is stale: the arrival that moved it pushed the new one.
      if (r.action === 'fire') {
        fired.push({ ...r.fire, key });
        states.delete(key);
      }
    }
  };
  for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
    fireDue(arrival.at);
    const decision = debounceDecision(states.get(arrival.key) ?? null, arrival.event, arrival.at, config);
    if (decision.flushed) fired.push({ ...decision.flushed, key: arrival.key });
    states.set(arrival.key, decision.state);
    push([decision.fireAt, arrival.key]);
  }
  fireDue(Infinity);
  return fired;
}
