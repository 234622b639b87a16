import { setActiveTracing } from './tracing-state';

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT; unset or empty: tracing stays off and nothing of the SDK is loaded. */
  endpoint?: string;
  serviceName?: string;
}

/** Paths whose requests make no spans: scrapes and probes, every few seconds. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * Starts OpenTelemetry's Node SDK with the http (and so every egress call), undici (fetch), ioredis
 * and pg instrumentations and the OTLP exporter the OTEL_* variables describe (OTLP over HTTP,
 * protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL says otherwise). Returns false when tracing is off.
 * Redis and Postgres calls are traced only inside a trace (no root spans for BullMQ's polling).
 */
export function startTracing(settings: TracingSettings, defaultServiceName: string): boolean {
  if (!settings.endpoint) return false;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new NodeSDK({
    serviceName: settings.serviceName ?? defaultServiceName,
    // Metrics are Prometheus' (prom-client), logs pino's: the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  setActiveTracing(sdk);
  return true;
}
