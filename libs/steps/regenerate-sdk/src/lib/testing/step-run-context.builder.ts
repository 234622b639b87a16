import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@mockops/pipeline-core';
import type { StepRunContext } from '@mockops/worker-kit';
import type { RegenerateSdkStepConfig } from '../regenerate-sdk.config';

export interface BuiltContext extends StepRunContext<RegenerateSdkStepConfig> {
  logs: string[];
  abort: AbortController;
}

/** A `schema.changed` event as the spec describes its payload. */
export function schemaChangedEvent(payload: Record<string, unknown> = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'schema.changed',
    workspace_id: 'workspace-123',
    occurred_at: '2026-01-02T03:04:00.000Z',
    payload: { spec_path: 'petstore.yaml', schema_type: 'openapi', changes: [{ type: 'added', endpoint: 'GET /pets' }], ...payload },
  } as EventEnvelope;
}

/** A run context as the worker base passes it (config already rendered). */
export function buildStepRunContext(
  config: Record<string, unknown>,
  overrides: { executionId?: string; stepName?: string; event?: EventEnvelope; attempt?: number } = {},
): BuiltContext {
  const logs: string[] = [];
  const abort = new AbortController();
  const executionId = overrides.executionId ?? randomUUID();
  const stepName = overrides.stepName ?? 'regenerate_sdk';
  return {
    config: config as unknown as RegenerateSdkStepConfig,
    execution: {
      id: executionId,
      pipelineId: 'pipe-1',
      pipelineName: 'auto-sdk-regeneration',
      revisionId: 'rev-1',
      workspaceId: null,
      startedAt: '2026-01-02T03:04:05.000Z',
    },
    event: overrides.event ?? schemaChangedEvent(),
    step: { name: stepName, attempt: overrides.attempt ?? 1, timeoutMs: 300_000, idempotencyKey: `${executionId}:${stepName}` },
    steps: {},
    secret: () => undefined,
    log: (line) => logs.push(line),
    signal: abort.signal,
    logs,
    abort,
  };
}
