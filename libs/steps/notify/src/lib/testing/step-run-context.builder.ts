import type { StepRunContext } from '@mockops/worker-kit';
import type { NotifyConfig } from '../notify-config';

export interface BuiltContext extends StepRunContext<NotifyConfig> {
  /** Lines the handler logged. */
  logs: string[];
  abort: AbortController;
}

/** A hand-built run context, as the worker base would pass it, with overridable parts. */
export function buildStepRunContext(
  config: Partial<NotifyConfig> & Record<string, unknown>,
  overrides: { secrets?: Record<string, string>; attempt?: number; stepName?: string } = {},
): BuiltContext {
  const logs: string[] = [];
  const abort = new AbortController();
  const executionId = 'exec-0001';
  const stepName = overrides.stepName ?? 'notify-teams';
  return {
    config: config as NotifyConfig,
    execution: {
      id: executionId,
      pipelineId: 'pipe-42',
      pipelineName: 'schema-change-pipeline',
      revisionId: 'rev-1',
      workspaceId: 'workspace-123',
      startedAt: '2025-01-02T03:04:05.000Z',
    },
    event: {
      id: 'evt-1',
      type: 'schema.changed',
      workspace_id: 'workspace-123',
      occurred_at: '2025-01-02T03:04:00.000Z',
      payload: { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [] },
    } as unknown as StepRunContext['event'],
    step: { name: stepName, attempt: overrides.attempt ?? 1, timeoutMs: 60_000, idempotencyKey: `${executionId}:${stepName}` },
    steps: {},
    secret: (name) => overrides.secrets?.[name],
    log: (line) => logs.push(line),
    signal: abort.signal,
    logs,
    abort,
  };
}
