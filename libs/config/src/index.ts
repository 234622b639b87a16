export * from './lib/config';
export * from './lib/api-keys';
