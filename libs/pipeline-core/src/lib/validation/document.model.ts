import { STEP_TYPES } from '../types';
import { DIAGNOSTIC_CODES } from '../diagnostics';
import { Field, bool, describe, int, isPlainObject, listOf, mapping, num, str, type Check } from './checks';

/** Step names appear in templates (`steps.<name>.outputs`) and job ids, so they stay simple. */
export const STEP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

const stepType: Check = (v) => {
  if (typeof v === 'string' && (STEP_TYPES as readonly string[]).includes(v)) return null;
  const shown = typeof v === 'string' ? `"${v}"` : describe(v);
  return { code: DIAGNOSTIC_CODES.unknownStepType, message: `unknown step_type ${shown}; known step types: ${STEP_TYPES.join(', ')}` };
};

/** `needs:` is a step name or a list of them (`[]`: the step starts with the execution). */
const needsCheck: Check = (v) => {
  const items = Array.isArray(v) ? v : [v];
  const bad = items.findIndex((item) => typeof item !== 'string' || item.trim() === '');
  if (bad < 0) return null;
  return { message: `must be a step name or a list of step names${Array.isArray(v) ? `; item ${bad} is ${describe(items[bad])}` : `, not ${describe(v)}`}` };
};

/** `if:` is an expression (checked by the parser with positions) or a YAML boolean. */
const conditionCheck: Check = (v) =>
  typeof v === 'boolean' || (typeof v === 'string' && v.trim() !== '') ? null : { message: `must be an expression such as "event.schema_type == 'openapi'", not ${describe(v)}` };

const concurrencyCheck: Check = (v) => (typeof v === 'string' || isPlainObject(v) ? null : { message: `must be a mapping {group, cancel_in_progress} or a group name, not ${describe(v)}` });

const listOfMappings: Check = listOf((item) => (isPlainObject(item) ? null : { message: `must be a mapping, not ${describe(item)}` }), { min: 1 });

export class PipelineDocumentModel {
  @Field(str({ max: 200 }), { required: true })
  name: unknown;

  @Field(str({ nonEmpty: false, max: 10_000 }))
  description: unknown;

  @Field(mapping, { required: true })
  definition: unknown;
}

export class PipelineDefinitionModel {
  @Field(bool)
  enabled: unknown;

  @Field(listOfMappings, { required: true })
  triggers: unknown;

  @Field(listOfMappings, { required: true })
  steps: unknown;

  /** Checked by validateConcurrency (concurrency.ts). */
  @Field(concurrencyCheck)
  concurrency: unknown;
}

export class TriggerModel {
  @Field(str({ max: 200, pattern: EVENT_TYPE_PATTERN, patternHint: 'must be an event type such as schema.changed' }), { required: true })
  event: unknown;

  /** Values are checked one by one by the parser, so each bad value gets its own path. */
  @Field(mapping)
  filters: unknown;

  /** Checked by validateDebounce (debounce.ts). */
  @Field(mapping)
  debounce: unknown;
}

export class StepModel {
  @Field(
    str({ max: 100, pattern: STEP_NAME_PATTERN, patternHint: 'must start with a letter or digit and contain only letters, digits, "_" and "-"' }),
    { required: true },
  )
  name: unknown;

  @Field(stepType, { required: true })
  step_type: unknown;

  @Field(mapping, { required: true })
  config: unknown;

  @Field(needsCheck)
  needs: unknown;

  @Field(conditionCheck)
  if: unknown;

  @Field(bool)
  continue_on_error: unknown;

  /** Seconds. */
  @Field(int(1, 86_400))
  timeout: unknown;

  @Field(mapping)
  retries: unknown;
}

export class RetriesModel {
  @Field(int(1, 20), { required: true })
  max_attempts: unknown;

  @Field(num(0, 3600))
  backoff_seconds: unknown;
}
