import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentLogContext, runWithLogContext } from './log-context';
import { FINISHED_STATUSES, metrics, stepQueueName, type StepOutcome } from './metrics';
import { SpanKind, contextOf, inSpan, startSpan } from './trace-context';

/** Where the step path's process log lines go (the runtime passes a Nest logger, so pino). */
export interface StepLogSink {
  log(message: string): void;
  warn(message: string): void;
}

interface AttemptInfo {
  executionId: string;
  pipelineId: string;
  workspaceId: string | null;
  stepName: string;
  stepType: string;
  attempt: number;
  maxAttempts: number;
}

/**
 * The telemetry of the step path — worker-kit's StepObserver and ExecutionObserver ports: each job runs
 * in a span continuing the execution's trace (from the job data) and in a log context giving every log
 * line its execution_id, pipeline_id, step and workspace_id (and scrubbing the run's secrets); each
 * attempt counts in mockops_step_runs_total / _duration_seconds / _retries_total and writes one line.
 */
export class StepTelemetry {
  constructor(private readonly logger: StepLogSink) {}

  job<T>(job: { stepType: string; executionId: string; stepName: string; traceparent?: string }, run: () => Promise<T>): Promise<T> {
    const span = startSpan(`step ${job.stepName}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.destination.name': stepQueueName(job.stepType),
        'mockops.execution.id': job.executionId,
        'mockops.step.name': job.stepName,
        'mockops.step.type': job.stepType,
      },
    }, contextOf(job.traceparent, ROOT_CONTEXT));
    return runWithLogContext({ fields: { execution_id: job.executionId, step: job.stepName, step_type: job.stepType } }, () => inSpan(span, run));
  }

  attemptStarted(attempt: AttemptInfo, scrub: (text: string) => string): void {
    const ctx = currentLogContext();
    if (ctx) {
      ctx.fields.pipeline_id = attempt.pipelineId;
      ctx.fields.workspace_id = attempt.workspaceId;
      ctx.scrub = scrub;
    }
    const span = trace.getActiveSpan();
    span?.setAttributes({ 'mockops.pipeline.id': attempt.pipelineId, 'mockops.step.attempt': attempt.attempt });
    if (attempt.workspaceId) span?.setAttribute('mockops.workspace.id', attempt.workspaceId);
  }

  attemptFinished(attempt: AttemptInfo, outcome: StepOutcome, handlerSeconds: number | undefined, error?: string): void {
    const step_type = attempt.stepType;
    metrics.stepRuns.inc({ step_type, outcome });
    if (outcome === 'retried') metrics.stepRetries.inc({ step_type });
    if (handlerSeconds !== undefined) metrics.stepDuration.observe({ step_type }, handlerSeconds);
    const took = handlerSeconds === undefined ? '' : ` in ${Math.round(handlerSeconds * 1000)} ms`;
    const line = `step ${attempt.stepName} (${step_type}) attempt ${attempt.attempt}/${attempt.maxAttempts} ${outcome}${took}${error ? `: ${error}` : ''}`;
    const span = trace.getActiveSpan();
    span?.setAttribute('mockops.step.outcome', outcome);
    if (outcome === 'failed' || outcome === 'retried') {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error });
      this.logger.warn(line);
    } else {
      this.logger.log(line);
    }
  }

  executionFinished(status: string): void {
    if ((FINISHED_STATUSES as readonly string[]).includes(status)) metrics.executionsFinished.inc({ status });
  }
}
