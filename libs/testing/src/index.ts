export * from './peers';
export * from './github';
export * from './runtime/test-env';
export * from './runtime/spec-pipelines';
export * from './runtime/step-run-context';
export * from './runtime/mockops-process';
