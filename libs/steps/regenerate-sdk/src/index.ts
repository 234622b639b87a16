export * from './lib/regenerate-sdk.config';
export * from './lib/regenerate-sdk.handler';
export * from './lib/spec-source';
export * from './lib/sdk-archive';
