export * from './lib/tokens';
export * from './lib/redis';
export * from './lib/infrastructure';
export * from './lib/runtime.module';
export * from './lib/workers.module';
export * from './lib/matcher.module';
export * from './lib/run-service';
