import type { StepConfigByType, StepType } from './step-types/registry';

export { STEP_TYPES, isStepType, type StepConfigByType, type StepType } from './step-types/registry';
export { SDK_LANGUAGES, REGENERATE_SDK_DEFAULT_OUTPUT_DIR, type SdkLanguage } from './step-types/regenerate-sdk';
export { ENTITY_TYPES, type EntityType } from './step-types/auto-promote';
export { NOTIFY_TYPES, type NotifyType } from './step-types/notify';
export { FILE_OPERATIONS, type FileOperation } from './step-types/create-pr';

/**
 * A config value written as a Liquid template (contains `{{` or `{%`). Its type is only known once
 * rendered, so save-time validation accepts it wherever a literal is expected.
 */
export type Template = string;

/** Each step type's config, derived from its schema (see step-types/). */
export type RegenerateSdkConfig = StepConfigByType['regenerate_sdk'];
export type AutoPromoteConfig = StepConfigByType['auto_promote'];
export type NotifyConfig = StepConfigByType['notify'];
export type CreatePrConfig = StepConfigByType['create_pr'];

export interface StepRetries {
  max_attempts: number;
  backoff_seconds?: number;
}

interface StepBase {
  name: string;
  /**
   * Steps this one waits for (docs/language.md). Absent: the previous step (steps run in order);
   * `[]`: none, it starts with the execution.
   */
  needs?: string[];
  /** A condition (expressions/): the step runs when it is true, else it is skipped. Default `success()`. */
  if?: string | boolean;
  continue_on_error?: boolean;
  /** Seconds, 1..86400. */
  timeout?: number;
  retries?: StepRetries;
}

/** One union keyed on `step_type`, so a narrowed step has its own config type. */
export type StepDefinition = {
  [K in StepType]: StepBase & { step_type: K; config: StepConfigByType[K] };
}[StepType];

/** A filter value: equality for a scalar, any-of for a list. */
export type FilterScalar = string | number | boolean | null;
export type FilterValue = FilterScalar | FilterScalar[];

/** Inngest-style debounce: a burst of events with the same key starts one execution, with the last event. */
export interface DebounceDefinition {
  /** A template rendered per event (`{{event.entity_id}}`); absent: one key for the whole trigger. */
  key?: string;
  /** Quiet period, a duration such as `30s` or `5m` (1s..7d). */
  period: string;
  /** Longest delay from the first event of a burst (>= period, <= 7d). */
  max_wait?: string;
}

export interface TriggerDefinition {
  event: string;
  filters?: Record<string, FilterValue>;
  debounce?: DebounceDefinition;
}

/** At most one execution of a group runs at a time; the others wait in event order. */
export interface ConcurrencyDefinition {
  /** A template (`{{event.entity_id}}`) or a plain string. */
  group: string;
  /** A new execution cancels the one running in its group (and the ones waiting). Default false. */
  cancel_in_progress?: boolean;
}

export interface PipelineDefinition {
  /** Defaults to true when absent in the source. */
  enabled: boolean;
  triggers: TriggerDefinition[];
  steps: StepDefinition[];
  concurrency?: ConcurrencyDefinition;
}

export interface PipelineDocument {
  name: string;
  description?: string;
  definition: PipelineDefinition;
}

export const STEP_RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];

export const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled'];
/** An execution that may still change: queued, running, or waiting (parked on an approval). */
export const ACTIVE_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'waiting'];
export const TERMINAL_STEP_RUN_STATUSES: readonly StepRunStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

export function isTerminalExecutionStatus(status: string): boolean {
  return (TERMINAL_EXECUTION_STATUSES as readonly string[]).includes(status);
}
