export * from './lib/config';
export * from './lib/api-keys';
export * from './lib/telemetry-config';
