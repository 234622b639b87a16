export * from './lib/wire';
export * from './lib/event-publisher';
export * from './lib/pipeline-changes';
export * from './lib/stream-consumer';
export * from './lib/event-entry';
export * from './lib/execution-changes';
export * from './lib/redis-keys';
export * from './lib/partitions';
