export * from './http-sink';
export * from './smtp-sink';
export * from './tcp-proxy';
export * from './redis-cluster';
