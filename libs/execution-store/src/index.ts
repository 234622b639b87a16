export * from './lib/store-error';
export * from './lib/records';
export * from './lib/statuses';
export * from './lib/entities';
export * from './lib/migrations';
export * from './lib/data-source';
export * from './lib/execution.store';
export * from './lib/embedded-postgres';
