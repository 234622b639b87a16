import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@mockops/pipeline-core';
import { buildStepRunContext as build, type BuiltStepRunContext } from '@mockops/testing';
import type { RegenerateSdkStepConfig } from '../regenerate-sdk.config';

export type BuiltContext = BuiltStepRunContext<RegenerateSdkStepConfig>;

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
  return build(config as unknown as RegenerateSdkStepConfig, {
    executionId: overrides.executionId,
    stepName: overrides.stepName ?? 'regenerate_sdk',
    pipelineName: 'auto-sdk-regeneration',
    event: overrides.event ?? schemaChangedEvent(),
    attempt: overrides.attempt,
    timeoutMs: 300_000,
    workspaceId: null,
  });
}
