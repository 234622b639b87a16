/** How a step attempt ended (docs/metrics.md `outcome`): `retried` = failed and will run again. */
export type StepAttemptOutcome = 'succeeded' | 'failed' | 'retried' | 'waiting' | 'cancelled';

/** A job as the queue hands it over: ids, and the trace context it was enqueued in. */
export interface StepJobInfo {
  stepType: string;
  executionId: string;
  stepName: string;
  traceparent?: string;
}

/** The step run an attempt belongs to, once the worker base has loaded and claimed it. */
export interface StepAttemptInfo {
  executionId: string;
  pipelineId: string;
  workspaceId: string | null;
  stepName: string;
  stepType: string;
  attempt: number;
  maxAttempts: number;
}

/**
 * What the worker base tells about the steps it runs (metrics, the step's span, log fields), declared
 * here and implemented by the telemetry library, so the step path has no metrics code of its own.
 * Calls are synchronous and cheap: nothing on the step path waits for them.
 */
export interface StepObserver {
  /** Runs the handling of one job (inside its trace span and log context). */
  job<T>(job: StepJobInfo, run: () => Promise<T>): Promise<T>;
  /** The run was claimed: its ids, and the scrubber of its secrets for anything logged from here on. */
  attemptStarted(attempt: StepAttemptInfo, scrub: (text: string) => string): void;
  /** The attempt ended; `handlerSeconds` when the handler ran (not for a config or secret error before it). */
  attemptFinished(attempt: StepAttemptInfo, outcome: StepAttemptOutcome, handlerSeconds: number | undefined, error?: string): void;
}

/** Told when an execution reaches a final status. */
export interface ExecutionObserver {
  executionFinished(status: string): void;
}

export const NO_STEP_OBSERVER: StepObserver = {
  job: (_job, run) => run(),
  attemptStarted: () => undefined,
  attemptFinished: () => undefined,
};
