import { buildStepRunContext as build, type BuiltStepRunContext, type StepRunContextOverrides } from '@mockops/testing';
import type { NotifyConfig } from '../notify-config';

export type BuiltContext = BuiltStepRunContext<NotifyConfig>;

/** A notify run context, as the worker base would pass it, with overridable parts. */
export function buildStepRunContext(
  config: Partial<NotifyConfig> & Record<string, unknown>,
  overrides: Pick<StepRunContextOverrides, 'attempt' | 'stepName' | 'credentials' | 'progress'> & { secrets?: Record<string, string> } = {},
): BuiltContext {
  return build(config as NotifyConfig, {
    executionId: 'exec-0001',
    stepName: overrides.stepName ?? 'notify-teams',
    pipelineName: 'schema-change-pipeline',
    pipelineId: 'pipe-42',
    workspaceId: 'workspace-123',
    attempt: overrides.attempt,
    secrets: overrides.secrets,
    credentials: overrides.credentials,
    progress: overrides.progress,
    event: {
      id: 'evt-1',
      type: 'schema.changed',
      workspace_id: 'workspace-123',
      occurred_at: '2025-01-02T03:04:00.000Z',
      payload: { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [] },
    },
  });
}
