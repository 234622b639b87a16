import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { ExecutionChangeSink } from '@mockops/event-stream';
import type { ExecutionWithSteps } from '@mockops/execution-store';
import { Principal } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { presentExecutionDetail } from '../presenters';
import { EXECUTION_CHANGES } from '../run-view/run-view.tokens';
import { canSeeExecution } from './execution-access';
import type { ExecutionDetailDto } from './execution.dto';
import { metrics } from '@mockops/telemetry';

@Injectable()
export class ExecutionsService {
  private readonly logger = new Logger(ExecutionsService.name);

  constructor(
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
    @Optional() @Inject(EXECUTION_CHANGES) private readonly changes?: ExecutionChangeSink,
  ) {}

  async get(principal: Principal, id: string): Promise<ExecutionDetailDto> {
    return presentExecutionDetail(await this.find(principal, id));
  }

  async cancel(principal: Principal, id: string): Promise<ExecutionDetailDto> {
    await this.find(principal, id);
    const cancelled = await this.options.store.cancelExecution(id);
    metrics.executionsFinished.inc({ status: 'cancelled' });
    this.logger.log(`execution ${id} cancelled`);
    this.changes?.notify({ execution_id: id, pipeline_id: cancelled.pipelineId, workspace_id: cancelled.workspaceId, status: cancelled.status });
    // An ended execution releases its concurrency group: the next waiting one starts.
    await this.options.advancer?.advance(id).catch((e: Error) => this.logger.warn(`execution ${id}: releasing its concurrency group: ${e.message}`));
    return presentExecutionDetail(cancelled);
  }

  /**
   * Runs a finished execution again (same revision, same event), like GitHub Actions' re-run; with
   * `fromFailed` ("re-run failed jobs") the steps that succeeded are kept with their outputs.
   */
  async rerun(principal: Principal, id: string, opts: { fromFailed?: boolean } = {}): Promise<ExecutionDetailDto> {
    await this.find(principal, id);
    const advancer = this.options.advancer;
    if (!advancer) throw new GatewayError('UNAVAILABLE', 're-runs need the step queues, which this gateway is not connected to');
    const rerun = await this.options.store.rerunExecution(id, opts);
    await advancer.advance(id);
    const reused = rerun.stepRuns.filter((s) => s.reusedFromAttempt !== null).map((s) => s.stepName);
    this.logger.log(`execution ${id} re-run (attempt ${rerun.runAttempt}${opts.fromFailed ? `, from the failure; kept: ${reused.join(', ') || 'none'}` : ''})`);
    return presentExecutionDetail(await this.find(principal, id));
  }

  /**
   * An execution the caller may see, or 404. An execution belongs to its pipeline's owner, fixed when
   * it was created (a global pipeline's executions belong to no workspace: admin keys only), whatever
   * the event said and whatever happened to the pipeline since.
   */
  private async find(principal: Principal, id: string): Promise<ExecutionWithSteps> {
    const execution = await this.options.store.getExecution(id);
    if (!execution || !canSeeExecution(principal, execution)) throw GatewayError.notFound('execution', id);
    return execution;
  }
}
