export * from './lib/create-pr.handler';
export * from './lib/create-pr.config';
export * from './lib/github-errors';
// Not ./lib/github-client: the handler loads Octokit on its first run (docs/performance.md, P7).
export * from './lib/github-client-policy';
export * from './lib/repository-url';
export * from './lib/branch-names';
