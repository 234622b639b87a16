export * from './promotion-rules';
export * from './promotion.records';
export * from './promotion.store';
