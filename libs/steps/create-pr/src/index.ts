export * from './lib/create-pr.handler';
export * from './lib/create-pr.config';
export * from './lib/github-errors';
export * from './lib/github-client';
export * from './lib/repository-url';
export * from './lib/branch-names';
