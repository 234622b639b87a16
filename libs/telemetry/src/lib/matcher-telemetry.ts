import { ROOT_CONTEXT, context, type Span } from '@opentelemetry/api';
import { metrics } from './metrics';
import { SpanKind, contextOf, contextWith, linkTo, startSpan, traceparentOf } from './trace-context';

/** The matcher's counters (mockops_events_read_total, _matched_total, mockops_executions_created_total). */
export const matcherMetrics = {
  batchHandled(stats: { read: number; matched: number; created: number }): void {
    if (stats.read) metrics.eventsRead.inc(stats.read);
    if (stats.matched) metrics.eventsMatched.inc(stats.matched);
    if (stats.created) metrics.executionsCreated.inc(stats.created);
  },
};

/**
 * The spans of one matcher batch: the batch itself (its Redis and Postgres calls are its children),
 * one span per event continuing the event's trace (the envelope's `traceparent`, e.g. the gateway's
 * POST /events) and linked to the batch, and under it one span per execution created, whose context
 * the execution keeps so that its step runs are its children.
 */
export class BatchTrace {
  private readonly batch: Span;
  private readonly open: Span[] = [];

  constructor(stream: string, entries: number) {
    this.batch = startSpan('matcher batch', {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'redis', 'messaging.destination.name': stream, 'messaging.batch.message_count': entries },
    }, ROOT_CONTEXT);
  }

  /** Runs the batch's work with the batch span active. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return context.with(contextWith(this.batch, ROOT_CONTEXT), fn);
  }

  /** The span of one event; returns a function giving the `traceparent` of an execution span under it. */
  event(event: { id: string; type: string; traceparent?: string }): (pipeline: { id: string; name: string }) => string | undefined {
    const span = startSpan(`match ${event.type}`, {
      kind: SpanKind.CONSUMER,
      links: linkTo(this.batch),
      attributes: { 'mockops.event.id': event.id, 'mockops.event.type': event.type },
    }, contextOf(event.traceparent));
    this.open.push(span);
    return (pipeline) => {
      const execution = startSpan(`execution ${pipeline.name}`, { attributes: { 'mockops.pipeline.id': pipeline.id } }, contextWith(span, ROOT_CONTEXT));
      this.open.push(execution);
      return traceparentOf(contextWith(execution, ROOT_CONTEXT));
    };
  }

  end(error?: unknown): void {
    if (error) this.batch.recordException(error as Error);
    for (const span of this.open) span.end();
    this.batch.end();
  }
}
