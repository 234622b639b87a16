export * from './schema';
export * from './registry';
export * from './notify';
export * from './create-pr';
export * from './regenerate-sdk';
export * from './auto-promote';
export { stepTypesMarkdown } from './docs';
