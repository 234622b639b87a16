export * from './lib/auto-promote-config';
export * from './lib/auto-promote.handler';
export * from './lib/promotion-payloads';
export * from './lib/promotion-announcer';
export * from './lib/published-versions.recorder';
