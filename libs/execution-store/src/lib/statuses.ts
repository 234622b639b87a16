import type { ExecutionStatus, StepRunStatus } from '@mockops/pipeline-core';

// Runtime copies of the status lists: the store checks input against them without importing
// pipeline-core values (the migration freezes its own copy in SQL).
export const EXECUTION_STATUS_VALUES: readonly ExecutionStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'];
export const ACTIVE_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'waiting'];
export const TERMINAL_EXECUTION_STATUS_VALUES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled'];
export const STEP_RUN_STATUS_VALUES: readonly StepRunStatus[] = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];
