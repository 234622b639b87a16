import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@mockops/pipeline-core';
import type { ExecutionRecord, PipelineWithRevision, Store } from '@mockops/execution-store';

/** A scenario.published envelope like the registry sends. */
export function scenarioEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'scenario.published',
    workspace_id: 'workspace-123',
    occurred_at: new Date().toISOString(),
    payload: { scenario_id: 'sc-1', scenario_name: 'checkout', version: '1.0.0', workspace_id: 'workspace-123' },
    ...overrides,
  };
}

/** An execution of the spec's auto-promote pipeline (auto_promote then notify), as the matcher creates it. */
export async function seedExecution(store: Store, pipeline: PipelineWithRevision, event = scenarioEvent()): Promise<ExecutionRecord> {
  const [created] = await store.createExecutions([
    {
      pipelineId: pipeline.id,
      revisionId: pipeline.currentRevisionId,
      workspaceId: pipeline.workspaceId,
      event,
      steps: pipeline.revision.document.definition.steps.map((s) => ({ name: s.name, stepType: s.step_type, maxAttempts: 3 })),
    },
  ]);
  return created.execution;
}

/** Runs the first step to success and the second to a final failure, as workers would record them. */
export async function playFailedRun(store: Store, executionId: string, steps: [string, string]): Promise<void> {
  const owner = 'test-worker';
  const first = await store.claimStepRun(executionId, steps[0], { owner, leaseMs: 60_000 });
  if (!first) throw new Error(`could not claim ${steps[0]} of ${executionId}`);
  await store.completeStepRun(first.id, owner, {
    outputs: { promotion_id: 'promo-42' },
    renderedConfig: { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' },
    logs: [{ at: new Date().toISOString(), attempt: 1, message: 'promoted sc-1 to test' }],
  });
  const second = await store.claimStepRun(executionId, steps[1], { owner, leaseMs: 60_000 });
  if (!second) throw new Error(`could not claim ${steps[1]} of ${executionId}`);
  await store.failStepRun(second.id, owner, {
    error: 'Slack answered 404 no_service',
    errorCode: 'HTTP_404',
    renderedConfig: { type: 'slack', slack_webhook_url: '***', channels: ['#devops'], message: 'Scenario checkout promoted to test' },
    logs: [{ at: new Date().toISOString(), attempt: 1, message: 'POST to Slack failed: 404' }],
    willRetry: false,
  });
  await store.finishExecution(executionId, 'failed', `step ${steps[1]} failed: Slack answered 404 no_service`);
}
