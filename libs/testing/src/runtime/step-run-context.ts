import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@mockops/pipeline-core';
import type { ResolvedSecret, StepRunContext } from '@mockops/worker-kit';

export interface BuiltStepRunContext<C> extends StepRunContext<C> {
  /** Lines the handler logged. */
  logs: string[];
  abort: AbortController;
  /** Every value the handler passed to saveProgress, in order (the last one is what a retry reads). */
  savedProgress: Record<string, unknown>[];
}

export interface StepRunContextOverrides {
  executionId?: string;
  stepName?: string;
  pipelineName?: string;
  pipelineId?: string;
  event?: EventEnvelope;
  attempt?: number;
  timeoutMs?: number;
  /** The workspace the run acts for (default: the pipeline's owner, else the event's). */
  workspaceId?: string | null;
  /** The pipeline's owner; null for a global pipeline (default). */
  ownerWorkspaceId?: string | null;
  /** Secrets the run may use, by name (origin `operator` unless given as ResolvedSecret). */
  secrets?: Record<string, string | ResolvedSecret>;
  credentials?: StepRunContext['credentials'];
  /** What earlier attempts recorded (StepRunContext.progress). */
  progress?: Record<string, unknown>;
  /** Aborts the handler's signal (a controller of the test's own). */
  abort?: AbortController;
  startedAt?: string;
}

/** A run context as the worker base passes it to a handler (config already rendered), for handler tests. */
export function buildStepRunContext<C = Record<string, unknown>>(config: C, overrides: StepRunContextOverrides = {}): BuiltStepRunContext<C> {
  const logs: string[] = [];
  const savedProgress: Record<string, unknown>[] = [];
  const abort = overrides.abort ?? new AbortController();
  const executionId = overrides.executionId ?? randomUUID();
  const stepName = overrides.stepName ?? 'step';
  const event = overrides.event ?? { id: 'evt-1', type: 'custom.event', occurred_at: '2026-01-02T03:04:00.000Z', payload: {} };
  const owner = overrides.ownerWorkspaceId ?? null;
  return {
    config,
    execution: {
      id: executionId,
      pipelineId: overrides.pipelineId ?? 'pipe-1',
      pipelineName: overrides.pipelineName ?? 'test-pipeline',
      revisionId: 'rev-1',
      workspaceId: overrides.workspaceId !== undefined ? overrides.workspaceId : (owner ?? event.workspace_id ?? null),
      ownerWorkspaceId: owner,
      startedAt: overrides.startedAt ?? '2026-01-02T03:04:05.000Z',
    },
    event,
    step: { name: stepName, attempt: overrides.attempt ?? 1, timeoutMs: overrides.timeoutMs ?? 60_000, idempotencyKey: `${executionId}:${stepName}` },
    steps: {},
    secret: async (name) => {
      const s = overrides.secrets?.[name];
      if (s === undefined) return undefined;
      return typeof s === 'string' ? { value: s, origin: 'operator' } : s;
    },
    credentials: overrides.credentials ?? [],
    log: (line) => logs.push(line),
    signal: abort.signal,
    progress: overrides.progress ?? {},
    saveProgress: async (progress) => {
      savedProgress.push(structuredClone(progress));
    },
    logs,
    abort,
    savedProgress,
  };
}
