import { admitToGroup, concurrencyGroupKey, releaseGroup, type ConcurrencyGroupState } from './concurrency';
import { debounceConfig, debounceKey, simulateDebounce, type DebounceArrival, type DebounceConfig } from './debounce';
import type { EventEnvelope } from './events';
import { compileFilters, eventWorkspaceId, matchFilters } from './filters';
import type { PipelineDocument } from './types';

/**
 * What a pipeline would have done with past events (pure, no side effects): how many matched per
 * day and which, how many executions debounce would have started instead, and — best effort from
 * the event times and an assumed run time — what concurrency would have queued or cancelled.
 */
export interface BacktestEvent {
  event: EventEnvelope;
  /** When it was on the stream: ms since the epoch, an ISO time or a stream entry id (`1700000000000-0`). Default: occurred_at. */
  time?: number | string;
}

export interface BacktestOptions {
  /** The pipeline's owner (null or absent: global). An owned pipeline only sees its workspace's events. */
  workspaceId?: string | null;
  /** Used in debounce keys and `{{ pipeline.id }}`. Default `backtest`. */
  pipelineId?: string;
  /** How many matching event ids to list. Default 5. */
  sampleSize?: number;
  /** How long an execution is assumed to hold its concurrency group. Default 60 s. */
  assumedRunMs?: number;
}

export interface BacktestDay {
  /** UTC date, `2026-03-01`. */
  date: string;
  events: number;
  matched: number;
  /** Executions that would have started that day (after debounce). */
  executions: number;
}

export interface BacktestResult {
  events: number;
  /** Events whose time could not be read (neither `time` nor occurred_at): left out. */
  undated: number;
  matched: number;
  /** The first matching event ids, in stream order. */
  firstMatches: string[];
  /** Executions that would have started (one per matched event, unless debounced). */
  executions: number;
  days: BacktestDay[];
  debounce?: {
    /** Matched events on debounced triggers. */
    events: number;
    executions: number;
    coalesced: number;
    /** Events whose key could not be rendered (they would start an execution at once). */
    keyErrors: number;
  };
  concurrency?: {
    groups: number;
    executions: number;
    /** Executions that had to wait for the group. */
    queued: number;
    /** Executions cancelled (the running one by a newer event with cancel_in_progress, or superseded while waiting). */
    cancelled: number;
    /** Most executions waiting in one group at once. */
    maxWaiting: number;
    /** Executions whose group could not be rendered. */
    keyErrors: number;
    assumedRunMs: number;
  };
}

const DEFAULT_RUN_MS = 60_000;

function timeOf(item: BacktestEvent): number | null {
  const t = item.time;
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (typeof t === 'string') {
    const stream = /^(\d+)-\d+$/.exec(t);
    if (stream) return Number(stream[1]);
    const parsed = Date.parse(t);
    if (!Number.isNaN(parsed)) return parsed;
  }
  const occurred = Date.parse(item.event.occurred_at);
  return Number.isNaN(occurred) ? null : occurred;
}

interface Execution {
  event: EventEnvelope;
  at: number;
}

/** Replays `events` against `document` (see BacktestResult). */
export function backtest(document: PipelineDocument, events: readonly BacktestEvent[], opts: BacktestOptions = {}): BacktestResult {
  const definition = document.definition;
  const owner = opts.workspaceId ?? null;
  const pipeline = { id: opts.pipelineId ?? 'backtest', name: document.name };
  const sampleSize = opts.sampleSize ?? 5;
  const triggers = definition.triggers.map((t) => ({ trigger: t, filters: compileFilters(t.filters) }));

  const dated = events.map((item, i) => ({ item, i, at: timeOf(item) })).filter((d): d is { item: BacktestEvent; i: number; at: number } => d.at !== null);
  dated.sort((a, b) => a.at - b.at || a.i - b.i);

  const days = new Map<string, BacktestDay>();
  const day = (at: number) => {
    const date = new Date(at).toISOString().slice(0, 10);
    let d = days.get(date);
    if (!d) days.set(date, (d = { date, events: 0, matched: 0, executions: 0 }));
    return d;
  };

  const firstMatches: string[] = [];
  const executions: Execution[] = [];
  const arrivalsByTrigger = new Map<number, { config: DebounceConfig; arrivals: DebounceArrival[] }>();
  let matched = 0;
  let debounced = 0;
  let keyErrors = 0;
  for (const { item, at } of dated) {
    const event = item.event;
    day(at).events++;
    if (definition.enabled === false) continue;
    if (owner !== null && eventWorkspaceId(event) !== owner) continue;
    // The first trigger that matches handles the event (the index's order).
    const index = triggers.findIndex((t) => t.trigger.event === event.type && matchFilters(t.filters, event));
    if (index < 0) continue;
    matched++;
    day(at).matched++;
    if (firstMatches.length < sampleSize) firstMatches.push(event.id);
    const debounce = triggers[index].trigger.debounce;
    if (!debounce) {
      executions.push({ event, at });
      continue;
    }
    debounced++;
    const key = debounceKey(debounce, index, { event, ownerWorkspaceId: owner, pipeline });
    if (!key.ok) {
      keyErrors++;
      executions.push({ event, at });
      continue;
    }
    let entry = arrivalsByTrigger.get(index);
    if (!entry) arrivalsByTrigger.set(index, (entry = { config: debounceConfig(debounce), arrivals: [] }));
    entry.arrivals.push({ key: key.key, event, at });
  }
  let debouncedExecutions = 0;
  for (const { config, arrivals } of arrivalsByTrigger.values()) {
    const fires = simulateDebounce(arrivals, config);
    debouncedExecutions += fires.length;
    for (const f of fires) executions.push({ event: f.event, at: f.firedAt });
  }
  executions.sort((a, b) => a.at - b.at);
  for (const e of executions) day(e.at).executions++;

  const result: BacktestResult = {
    events: events.length,
    undated: events.length - dated.length,
    matched,
    firstMatches,
    executions: executions.length,
    days: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)),
  };
  if (definition.triggers.some((t) => t.debounce)) {
    result.debounce = { events: debounced, executions: debouncedExecutions + keyErrors, coalesced: debounced - debouncedExecutions - keyErrors, keyErrors };
  }
  if (definition.concurrency) result.concurrency = simulateConcurrency(definition.concurrency, executions, owner, pipeline, opts.assumedRunMs ?? DEFAULT_RUN_MS);
  return result;
}

function simulateConcurrency(
  concurrency: NonNullable<PipelineDocument['definition']['concurrency']>,
  executions: Execution[],
  owner: string | null,
  pipeline: { id: string; name: string },
  runMs: number,
): NonNullable<BacktestResult['concurrency']> {
  const groups = new Map<string, ConcurrencyGroupState>();
  // Started executions and when they would finish. Every run takes runMs and starts no earlier than
  // the one before, so this list is in finishing order as it is built: no sorting needed.
  const running: { end: number; group: string; id: string }[] = [];
  const stopped = new Set<string>();
  let head = 0;
  const out = { groups: 0, executions: executions.length, queued: 0, cancelled: 0, maxWaiting: 0, keyErrors: 0, assumedRunMs: runMs };
  const apply = (group: string, decision: ReturnType<typeof releaseGroup>, at: number) => {
    groups.set(group, decision.state);
    for (const id of decision.start) running.push({ end: at + runMs, group, id });
    out.maxWaiting = Math.max(out.maxWaiting, decision.state.queue.length);
  };
  const finishUntil = (t: number) => {
    while (head < running.length && running[head].end <= t) {
      const { end, group, id } = running[head++];
      if (!stopped.has(id)) apply(group, releaseGroup(groups.get(group) ?? null, id), end);
    }
  };
  executions.forEach((execution, seq) => {
    finishUntil(execution.at);
    const key = concurrencyGroupKey(concurrency, { event: execution.event, ownerWorkspaceId: owner, pipeline });
    if (!key.ok) {
      out.keyErrors++;
      return;
    }
    const id = `${seq}`;
    const decision = admitToGroup(groups.get(key.key) ?? null, { executionId: id, order: [execution.at, seq] }, { cancelInProgress: concurrency.cancel_in_progress === true });
    out.cancelled += decision.cancel.length;
    apply(key.key, decision, execution.at);
    // A cancelled holder is assumed to stop at once, handing the group on.
    const holder = decision.cancel.find((c) => c.executionId === groups.get(key.key)?.holder?.executionId);
    if (holder) {
      stopped.add(holder.executionId);
      apply(key.key, releaseGroup(groups.get(key.key) ?? null, holder.executionId), execution.at);
    }
    if (groups.get(key.key)?.queue.some((q) => q.executionId === id)) out.queued++;
  });
  out.groups = groups.size;
  return out;
}

/** A backtest as the API and the CLI's `-o json` print it: snake_case keys. */
export function backtestReport(r: BacktestResult): Record<string, unknown> {
  return {
    events: r.events,
    undated: r.undated,
    matched: r.matched,
    executions: r.executions,
    first_matches: r.firstMatches,
    days: r.days,
    ...(r.debounce ? { debounce: { events: r.debounce.events, executions: r.debounce.executions, coalesced: r.debounce.coalesced, key_errors: r.debounce.keyErrors } } : {}),
    ...(r.concurrency
      ? {
          concurrency: {
            groups: r.concurrency.groups,
            executions: r.concurrency.executions,
            queued: r.concurrency.queued,
            cancelled: r.concurrency.cancelled,
            max_waiting: r.concurrency.maxWaiting,
            key_errors: r.concurrency.keyErrors,
            assumed_run_ms: r.concurrency.assumedRunMs,
          },
        }
      : {}),
  };
}
