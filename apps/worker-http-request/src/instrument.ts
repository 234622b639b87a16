// Imported first by main.ts: starts tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before http, pg
// and ioredis are loaded, so that OpenTelemetry's instrumentations can patch them.
import { loadTelemetryConfig } from '@mockops/config/telemetry';
import { startTracing } from '@mockops/telemetry/tracing';

startTracing(loadTelemetryConfig().tracing, 'worker-http-request');
