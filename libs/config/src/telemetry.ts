// A second entry point without the rest of the config (which loads node:http through egress): for the
// apps' instrument.ts, which must run before any instrumented module loads.
export * from './lib/telemetry-config';
