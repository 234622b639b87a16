import type { EventEnvelope, StepType } from '@mockops/pipeline-core';
import type { ResolvedSecret, SecretOrigin } from './secrets';

/**
 * What a step-type worker implements. The worker base (see worker-base) loads the execution, claims the
 * step run, renders the config with pipeline-core and then calls `run`; the handler only does the side
 * effect and returns outputs. Handlers signal failures with the error classes in step-errors.ts.
 */
export interface StepHandler<C = Record<string, unknown>> {
  readonly stepType: StepType;
  run(ctx: StepRunContext<C>): Promise<StepResult>;
}

export interface StepRunContext<C = Record<string, unknown>> {
  /** The step's config after template rendering (secrets resolved: never log or store it as is). */
  config: C;
  execution: {
    id: string;
    pipelineId: string;
    pipelineName: string;
    revisionId: string;
    /** The workspace the run acts for: the pipeline's owner, else (global pipelines) the event's. */
    workspaceId: string | null;
    /** The pipeline's owner (null: a global pipeline): whose secrets the run may use. */
    ownerWorkspaceId: string | null;
    startedAt: string;
  };
  event: EventEnvelope;
  step: {
    name: string;
    /** 1-based attempt number of this step run. */
    attempt: number;
    timeoutMs: number;
    /** Stable across retries of the same step run: `${executionId}:${stepName}`. */
    idempotencyKey: string;
  };
  /** Outputs of the steps that already ran, by step name. */
  steps: Record<string, { outputs: Record<string, unknown> }>;
  /**
   * A secret the pipeline may use, with where it came from: the owner workspace's own, else an
   * operator credential (global pipelines, or shared with the workspace). Undefined otherwise.
   * Handlers use it for documented fallbacks (SLACK_WEBHOOK_URL, SMTP_URL, GITHUB_TOKEN...).
   */
  secret(name: string): Promise<ResolvedSecret | undefined>;
  /** Config fields filled from `{{ secrets.NAME }}`, with the secret's origin (credential binding). */
  credentials: { field: string; name: string; origin: SecretOrigin }[];
  /** Appends a line to the step run's log (secrets are redacted before storing). */
  log(message: string): void;
  /** Aborted when the step times out, the execution is cancelled, the worker loses the lease or shuts down hard. */
  signal: AbortSignal;
  /**
   * What earlier attempts of this step run recorded as done with `saveProgress` ({} on the first
   * attempt, and again after a re-run of the execution).
   */
  progress: Readonly<Record<string, unknown>>;
  /**
   * Records what the step has done so far, before it does the next part, so that a retry after a
   * partial failure does only what is missing (e.g. the Slack channels not yet posted to). Replaces the
   * previous value; at most 64 KiB of JSON, secrets scrubbed. Rejects when the worker lost the step.
   */
  saveProgress(progress: Record<string, unknown>): Promise<void>;
}

export interface StepResult {
  outputs: Record<string, unknown>;
  /**
   * `waiting`: the step started something that completes later (e.g. a promotion waiting for
   * approval). The worker base parks the step run (no worker holds it; the execution shows `waiting`)
   * and does not advance; whoever resolves it calls `store.resolveParkedStepRun` with the same
   * `waitingFor` and then advances the execution (ExecutionAdvancer).
   */
  status?: 'succeeded' | 'waiting';
  /** With `waiting`: what the step waits for, e.g. `promotion:<id>`. */
  waitingFor?: string;
}
