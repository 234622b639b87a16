import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// W3C trace context through our own carriers (the stream envelope's `traceparent`, a job's data, the
// execution row). Uses only the API: without the SDK (tracing off) spans are non-recording, cost
// almost nothing, and a context that came in from a producer still flows through unchanged.

const w3c = new W3CTraceContextPropagator();
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export { SpanKind, SpanStatusCode, type Span, type Context };

export const tracer = () => trace.getTracer('mockops');

/** The W3C `traceparent` of a context (default: the active one), or undefined when it has no valid span. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier['traceparent'];
}

/** A context whose parent is the given `traceparent`; invalid or missing: `base`. */
export function contextOf(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return base;
  return w3c.extract(base, { traceparent }, defaultTextMapGetter);
}

export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value) && !/^[0-9a-f]{2}-0{32}-/.test(value) && !/-0{16}-[0-9a-f]{2}$/.test(value);
}

/** The trace id of a `traceparent`, or null. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  return traceparent && TRACEPARENT.test(traceparent) ? traceparent.split('-')[1] : null;
}

/** The trace id of the active span, or undefined (logs). */
export function activeTraceId(): string | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** A link to a span (the matcher's batch span from each event's span). */
export function linkTo(span: Span): Link[] {
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? [{ context: sc }] : [];
}

/** Starts a span (as a child of `parent`, default the active context) without making it active. */
export function startSpan(name: string, opts: { kind?: SpanKind; attributes?: Attributes; links?: Link[] } = {}, parent: Context = context.active()): Span {
  return tracer().startSpan(name, opts, parent);
}

/** Runs `fn` inside `span` (active), ends it after, and records an error that escapes. */
export async function inSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    throw e;
  } finally {
    span.end();
  }
}

/** The context of a span (to derive a child's parent or a `traceparent` from it). */
export function contextWith(span: Span, base: Context = context.active()): Context {
  return trace.setSpan(base, span);
}
