export * from './http-sink';
export * from './smtp-sink';
