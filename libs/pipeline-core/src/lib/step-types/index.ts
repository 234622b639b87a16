export * from './schema';
export * from './registry';
export { stepTypesMarkdown } from './docs';
