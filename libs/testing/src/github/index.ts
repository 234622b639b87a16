export * from './github-api-double';
export type { SchemaProblem } from './openapi-description';
