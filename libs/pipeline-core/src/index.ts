export * from './lib/types';
export * from './lib/diagnostics';
export { loadYamlDocument, SourceMap, DEFAULT_LOAD_LIMITS, type LoadLimits, type LoadResult, type SourcePosition } from './lib/yaml-loader';
export * from './lib/pipeline-parser';
export * from './lib/events';
export * from './lib/filters';
export * from './lib/pipeline-index';
export * from './lib/template-renderer';
export * from './lib/planner';
export * from './lib/retry-policies';
export { pipelineJsonSchema } from './lib/json-schema';
export { LruCache } from './lib/lru-cache';
export { isTemplate } from './lib/validation/checks';
export * from './lib/step-types';
export { STEP_NAME_PATTERN, EVENT_TYPE_PATTERN } from './lib/validation/document.model';
export * from './lib/input-checks';
export * from './lib/secret-usage';
export { EVENT_PAYLOAD_SCHEMAS, eventPayloadSchemas } from './lib/event-schemas';
export * from './lib/promotions';
export * from './lib/promotion-records';
export type { LogSink } from './lib/log-sink';
export { stepDag, dagIssues, type StepDag, type DagIssue, type DagIssueCode } from './lib/dag';
export * from './lib/expressions';
export { EVENT_KEY_ROOTS, MAX_EVENT_KEY_LENGTH, type EventKeyInput } from './lib/event-keys';
export {
  concurrencyGroupKey,
  admitToGroup,
  releaseGroup,
  eventOrderFromStreamId,
  compareOrder,
  DEFAULT_MAX_QUEUED,
  type ConcurrencyKey,
  type ConcurrencyRun,
  type ConcurrencyGroupState,
  type ConcurrencyDecision,
  type AdmitOptions,
} from './lib/concurrency';
export {
  DEBOUNCE_LIMITS,
  parseDuration,
  formatDuration,
  debounceConfig,
  debounceKey,
  debounceDecision,
  onTimer,
  simulateDebounce,
  type DebounceConfig,
  type DebounceKey,
  type DebounceState,
  type DebounceFire,
  type DebounceDecision,
  type DebounceTimerResult,
  type DebounceArrival,
} from './lib/debounce';
export * from './lib/dry-run';
export * from './lib/backtest';
