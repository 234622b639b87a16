import { autoPromoteStepType } from './auto-promote';
import { createPrStepType } from './create-pr';
import { httpRequestStepType } from './http-request';
import { notifyStepType } from './notify';
import { regenerateSdkStepType } from './regenerate-sdk';
import type { StepTypeDefinition } from './schema';

// Each step type's own exports (its constants and helpers), through this one file.
export * from './auto-promote';
export * from './create-pr';
export * from './http-request';
export * from './notify';
export * from './regenerate-sdk';

/**
 * Every step type, one definition each (its config schema, retry policy, credential fields). Adding
 * a step type starts here: a file next to this one, its import and export above and a line in this
 * list (docs/adding-a-step-type.md).
 */
export const STEP_TYPE_DEFINITIONS = [regenerateSdkStepType, autoPromoteStepType, notifyStepType, createPrStepType, httpRequestStepType] as const;

type Definitions = (typeof STEP_TYPE_DEFINITIONS)[number];

/** The step types a pipeline can use; one worker app per type. */
export type StepType = Definitions['type'];

export const STEP_TYPES: readonly StepType[] = STEP_TYPE_DEFINITIONS.map((d) => d.type);

/** The config type of each step type, derived from its schema. */
export type StepConfigByType = { [D in Definitions as D['type']]: D['_config'] };

const byType = new Map<string, StepTypeDefinition>(STEP_TYPE_DEFINITIONS.map((d) => [d.type, d as unknown as StepTypeDefinition]));

/** The definition of a step type, or undefined for an unknown one. */
export function stepTypeDefinition(type: string): StepTypeDefinition | undefined {
  return byType.get(type);
}

export function isStepType(value: unknown): value is StepType {
  return typeof value === 'string' && byType.has(value);
}
