// A second entry point, loaded by each app's instrument.ts before anything else: it must start before
// http, pg and ioredis are loaded for OpenTelemetry's instrumentations to patch them.
export { startTracing } from './lib/tracing';
