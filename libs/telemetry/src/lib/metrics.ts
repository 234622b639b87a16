import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EXECUTION_STATUSES, STEP_TYPES } from '@mockops/pipeline-core';

// The metric contract (docs/metrics.md) as code: names, types, labels and their closed value sets. A
// test holds this file and the document equal; the dashboards, alert rules and autoscalers are written
// against the document.

/** Every process has one registry: what its /metrics serves. */
export const registry = new Registry();

let defaultsCollected = false;
/** prom-client's default Node metrics (process_*, nodejs_*), once per process. */
export function collectNodeMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}

export const STEP_OUTCOMES = ['succeeded', 'failed', 'retried', 'waiting', 'cancelled'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];
export const DEAD_LETTER_REASONS = ['no_event_field', 'invalid_json', 'invalid_event', 'invalid_utf8', 'too_large', 'processing_failed'] as const;
export type DeadLetterReasonLabel = (typeof DEAD_LETTER_REASONS)[number];
export const FINISHED_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const EGRESS_REFUSAL_REASONS = ['scheme', 'loopback', 'private', 'link_local', 'cgnat', 'unspecified', 'multicast', 'reserved'] as const;
export type EgressRefusalReason = (typeof EGRESS_REFUSAL_REASONS)[number];
export const PROMOTION_OUTCOMES = ['completed', 'waiting', 'rejected', 'failed'] as const;
export type PromotionOutcome = (typeof PROMOTION_OUTCOMES)[number];
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export const STEP_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The step queue of a step type (the same rule as worker-kit's queueNameFor). */
export const stepQueueName = (stepType: string) => `step-${stepType.replace(/_/g, '-')}`;

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
  new Counter<L>({ name, help, labelNames, registers: [registry] });

/**
 * Counters and histograms: exported by the process where the thing happens. Every series of a closed
 * label set starts at 0, so rate() and increase() see the first event.
 */
export const metrics = {
  eventsRead: counter('mockops_events_read_total', 'Stream entries read by the matcher (every entry, valid or not)'),
  eventsDeadLettered: counter('mockops_events_dead_lettered_total', 'Entries moved to the dead-letter stream, by why', ['reason']),
  eventsMatched: counter('mockops_events_matched_total', 'Events that matched at least one pipeline'),
  executionsCreated: counter('mockops_executions_created_total', 'Executions created by the matcher (not counting duplicates)'),
  executionsFinished: counter('mockops_executions_finished_total', 'Executions that reached a final status', ['status']),
  stepRuns: counter('mockops_step_runs_total', 'Step attempts that ended, by how (retried: failed and will run again; failed: for good)', ['step_type', 'outcome']),
  stepDuration: new Histogram<'step_type'>({
    name: 'mockops_step_duration_seconds',
    help: 'Handler run time of one step attempt',
    labelNames: ['step_type'],
    buckets: STEP_DURATION_BUCKETS,
    registers: [registry],
  }),
  stepRetries: counter('mockops_step_retries_total', 'Step attempts scheduled again after a transient failure', ['step_type']),
  egressRefused: counter('mockops_egress_refused_total', 'Outbound calls refused by the SSRF guard, by scheme or restricted range', ['reason']),
  promotions: counter('mockops_promotions_total', 'Promotions by how they ended (waiting: parked for approval)', ['outcome']),
  httpRequests: counter('mockops_http_requests_total', 'Gateway requests by route template', ['method', 'route', 'status_code']),
  httpDuration: new Histogram<'method' | 'route'>({
    name: 'mockops_http_request_duration_seconds',
    help: 'Gateway request time by route template',
    labelNames: ['method', 'route'],
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  }),
};

for (const reason of DEAD_LETTER_REASONS) metrics.eventsDeadLettered.inc({ reason }, 0);
for (const status of FINISHED_STATUSES) metrics.executionsFinished.inc({ status }, 0);
for (const reason of EGRESS_REFUSAL_REASONS) metrics.egressRefused.inc({ reason }, 0);
for (const outcome of PROMOTION_OUTCOMES) metrics.promotions.inc({ outcome }, 0);
for (const step_type of STEP_TYPES) {
  for (const outcome of STEP_OUTCOMES) metrics.stepRuns.inc({ step_type, outcome }, 0);
  metrics.stepRetries.inc({ step_type }, 0);
  metrics.stepDuration.zero({ step_type });
}

/** Counts a refusal of the SSRF guard: `scheme`, or the restricted range (`link-local` → `link_local`). */
export function countEgressRefusal(reason: string): void {
  const label = reason.replace(/-/g, '_');
  if ((EGRESS_REFUSAL_REASONS as readonly string[]).includes(label)) metrics.egressRefused.inc({ reason: label });
}

/** Counts an entry moved to the dead-letter stream, by its reason code. */
export function countDeadLetter(reason: string): void {
  if ((DEAD_LETTER_REASONS as readonly string[]).includes(reason)) metrics.eventsDeadLettered.inc({ reason });
}

/** Counts a promotion that reached an outcome (`pending` counts as `waiting`); other statuses are not outcomes. */
export function countPromotion(status: string): void {
  const outcome = status === 'pending' ? 'waiting' : status;
  if ((PROMOTION_OUTCOMES as readonly string[]).includes(outcome)) metrics.promotions.inc({ outcome });
}

/** A sample of the shared state (Redis, Postgres) taken by the gateway. */
export interface SharedStateSample {
  executions: Partial<Record<string, number>>;
  /** Per stream key (partition): entries not yet delivered to the matcher group, and pending ones. */
  matcher: { partition: string; lag: number; pending: number }[];
  queues: { queue: string; jobs: Record<QueueState, number>; workers: number }[];
  deadLetterEntries: number;
}

let sharedState: { current?: SharedStateSample } | undefined;

/**
 * The shared-state gauges (docs/metrics.md: sampled by the gateway, served from the last sample so a
 * scrape never waits on Redis or Postgres). Registered on first use: only gateway processes export them.
 */
export function sharedStateGauges(): { update(sample: SharedStateSample): void } {
  if (!sharedState) {
    const state: { current?: SharedStateSample } = {};
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: SharedStateSample) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          if (!state.current) return;
          this.reset();
          fill(this, state.current);
        },
      });
    gauge('mockops_executions', 'Executions in Postgres by current status (sampled by the gateway)', ['status'], (g, s) => {
      for (const status of EXECUTION_STATUSES) g.set({ status }, s.executions[status] ?? 0);
    });
    gauge('mockops_matcher_lag_entries', 'Stream entries not yet delivered to the matcher group (sampled by the gateway)', ['partition'], (g, s) => {
      for (const m of s.matcher) g.set({ partition: m.partition }, m.lag);
    });
    gauge('mockops_matcher_pending_entries', 'Entries delivered to the matcher group but not acked yet (sampled by the gateway)', ['partition'], (g, s) => {
      for (const m of s.matcher) g.set({ partition: m.partition }, m.pending);
    });
    gauge('mockops_queue_jobs', 'BullMQ jobs per step queue and state (sampled by the gateway)', ['queue', 'state'], (g, s) => {
      for (const q of s.queues) for (const state of QUEUE_STATES) g.set({ queue: q.queue, state }, q.jobs[state]);
    });
    gauge('mockops_queue_workers', 'Worker connections on the step queue, 0 when nothing consumes it (sampled by the gateway)', ['queue'], (g, s) => {
      for (const q of s.queues) g.set({ queue: q.queue }, q.workers);
    });
    gauge('mockops_dead_letter_entries', 'Length of the dead-letter stream (sampled by the gateway)', [], (g, s) => {
      g.set(s.deadLetterEntries);
    });
    sharedState = state;
  }
  const state = sharedState;
  return {
    update(sample) {
      state.current = sample;
    },
  };
}

/** The text exposition of this process's registry. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;
