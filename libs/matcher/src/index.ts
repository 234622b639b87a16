export * from './lib/trigger-matcher';
