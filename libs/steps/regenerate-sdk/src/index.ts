export * from './lib/regenerate-sdk.config';
export * from './lib/regenerate-sdk.handler';
export * from './lib/spec-source';
export * from './lib/sdk-archive';
export * from './lib/artifacts/artifacts.options';
export * from './lib/artifacts/artifacts.service';
export * from './lib/artifacts/artifacts.controller';
export * from './lib/artifacts/artifacts.module';
