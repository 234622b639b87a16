import type { EventEnvelope } from './lib/events';
import type { IndexedPipeline } from './lib/pipeline-index';
import type { PipelineDocument, StepDefinition, TriggerDefinition } from './lib/types';

/**
 * Small factories for specs and the matching benchmark (not exported from the package: test data
 * only). Each takes overrides so a test states only what it is about.
 */

let seq = 0;

export function aStep(overrides: Partial<StepDefinition> & { name?: string } = {}): StepDefinition {
  return {
    name: overrides.name ?? `step-${++seq}`,
    step_type: 'notify',
    config: { type: 'slack', message: 'hello' },
    ...overrides,
  } as StepDefinition;
}

export function aDocument(opts: { name?: string; triggers?: TriggerDefinition[]; steps?: StepDefinition[]; enabled?: boolean } = {}): PipelineDocument {
  return {
    name: opts.name ?? `pipeline-${++seq}`,
    definition: {
      enabled: opts.enabled ?? true,
      triggers: opts.triggers ?? [{ event: 'schema.changed' }],
      steps: opts.steps ?? [aStep({ name: 'notify' })],
    },
  };
}

export function anIndexedPipeline(
  opts: { id?: string; workspaceId?: string | null; triggers?: TriggerDefinition[]; enabled?: boolean; steps?: StepDefinition[] } = {},
): IndexedPipeline {
  const id = opts.id ?? `p-${++seq}`;
  return {
    id,
    name: id,
    workspaceId: opts.workspaceId ?? null,
    revisionId: `${id}-r1`,
    document: aDocument({ name: id, triggers: opts.triggers, enabled: opts.enabled, steps: opts.steps }),
  };
}

export function anEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: `evt-${++seq}`,
    type: 'schema.changed',
    occurred_at: '2025-01-01T00:00:00.000Z',
    payload: { spec_path: 'specs/api.yaml', schema_type: 'openapi', changes: [] },
    ...overrides,
  };
}
