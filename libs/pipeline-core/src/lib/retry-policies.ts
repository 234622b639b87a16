import { STEP_TYPE_DEFINITIONS } from './step-types/registry';
import type { StepDefinition, StepType } from './types';

export type BackoffType = 'exponential' | 'fixed';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  maxAttempts: number;
  backoffType: BackoffType;
  /** First delay; exponential doubles it per attempt. */
  backoffMs: number;
}

/** Every retry policy of the system, in one place. */
export const RETRY_POLICIES = {
  /** Work that can fail transiently (SDK generation, promotion API). */
  default: { maxAttempts: 3, backoffType: 'exponential', backoffMs: 2_000 },
  /** Never retry. */
  none: { maxAttempts: 1, backoffType: 'fixed', backoffMs: 0 },
  /** Outbound HTTP/SMTP to third parties: more attempts, quicker first retry. */
  network: { maxAttempts: 5, backoffType: 'exponential', backoffMs: 1_000 },
} as const satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

/** Which policy a step type gets when the step sets no `retries` (its definition says). */
export const STEP_TYPE_RETRY_POLICY = Object.fromEntries(STEP_TYPE_DEFINITIONS.map((d) => [d.type, d.spec.retryPolicy])) as Record<StepType, RetryPolicyName>;

export const DEFAULT_STEP_TIMEOUT_SECONDS = 300;

export interface StepRuntime {
  maxAttempts: number;
  backoffMs: number;
  backoffType: BackoffType;
  timeoutMs: number;
}

/**
 * Attempts, backoff and timeout of a step: the step's `retries` / `timeout` override the step type's
 * policy. A `backoff_seconds` given by the user is the first delay of an exponential backoff.
 */
export function resolveStepRuntime(step: Pick<StepDefinition, 'step_type' | 'retries' | 'timeout'>): StepRuntime {
  const policy: RetryPolicy = RETRY_POLICIES[STEP_TYPE_RETRY_POLICY[step.step_type] ?? 'default'];
  const maxAttempts = step.retries?.max_attempts ?? policy.maxAttempts;
  const backoffMs = step.retries?.backoff_seconds !== undefined ? Math.round(step.retries.backoff_seconds * 1000) : policy.backoffMs;
  const backoffType: BackoffType = step.retries ? (backoffMs === 0 ? 'fixed' : 'exponential') : policy.backoffType;
  return { maxAttempts, backoffMs, backoffType, timeoutMs: (step.timeout ?? DEFAULT_STEP_TIMEOUT_SECONDS) * 1000 };
}
