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

export interface TriggerDefinition {
  event: string;
  filters?: Record<string, FilterValue>;
}

export interface PipelineDefinition {
  /** Defaults to true when absent in the source. */
  enabled: boolean;
  triggers: TriggerDefinition[];
  steps: StepDefinition[];
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
export const TERMINAL_STEP_RUN_STATUSES: readonly StepRunStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

export function isTerminalExecutionStatus(status: string): boolean {
  return (TERMINAL_EXECUTION_STATUSES as readonly string[]).includes(status);
}
