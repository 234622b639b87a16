import { STEP_TYPE_DEFINITIONS } from './step-types/registry';
import { STEP_TYPES } from './types';
import { EXPRESSION_LIMITS } from './expressions/parser';
import { EVENT_TYPE_PATTERN, STEP_NAME_PATTERN } from './validation/document.model';

/**
 * JSON Schema (draft-07) of a pipeline file, for editors and other tools. Step configs come from each
 * step type's schema (step-types/); the parser stays the authority (it also reports positions and
 * warnings). Written to libs/pipeline-core/schema/pipeline.schema.json; a unit test keeps the two equal.
 */

type Schema = Record<string, unknown>;

const filterScalar: Schema = { type: ['string', 'number', 'boolean', 'null'] };
const configs: Record<string, Schema> = Object.fromEntries(STEP_TYPE_DEFINITIONS.map((d) => [d.type, d.jsonSchema()]));
const stepName: Schema = { type: 'string', pattern: STEP_NAME_PATTERN.source, maxLength: 100 };
const duration: Schema = { type: 'string', minLength: 2, pattern: '^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$', description: 'A duration such as 30s, 5m, 1h30m or 2d (1s to 7d)' };
const keyTemplate: Schema = { type: 'string', minLength: 1, maxLength: 400 };

/** docs/language.md: needs, if, concurrency, debounce. */
const language = {
  needs: {
    description: 'Steps this one waits for; without it, the previous step. [] starts the step with the execution.',
    anyOf: [stepName, { type: 'array', uniqueItems: true, items: stepName }],
  },
  if: {
    description: "A condition such as event.schema_type == 'openapi' or failure(); ${{ }} is optional. Default success().",
    type: ['string', 'boolean'],
    minLength: 1,
    maxLength: EXPRESSION_LIMITS.maxLength,
  },
  concurrency: {
    description: 'One execution of a group at a time; the others wait in event order (or cancel_in_progress).',
    anyOf: [
      keyTemplate,
      {
        type: 'object',
        required: ['group'],
        additionalProperties: false,
        properties: { group: keyTemplate, cancel_in_progress: { type: 'boolean', default: false } },
      },
    ],
  },
  debounce: {
    description: 'A burst of events with the same key starts one execution, with the last event, after a quiet period.',
    type: 'object',
    required: ['period'],
    additionalProperties: false,
    properties: { key: keyTemplate, period: duration, max_wait: duration },
  },
} satisfies Record<string, Schema>;

export const pipelineJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mockops.dev/schemas/pipeline.schema.json',
  title: 'MockOps pipeline',
  type: 'object',
  required: ['name', 'definition'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: ['string', 'null'] },
    definition: {
      type: 'object',
      required: ['triggers', 'steps'],
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: true },
        concurrency: language.concurrency,
        triggers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['event'],
            additionalProperties: false,
            properties: {
              event: { type: 'string', pattern: EVENT_TYPE_PATTERN.source, maxLength: 200 },
              filters: {
                type: ['object', 'null'],
                additionalProperties: { anyOf: [filterScalar, { type: 'array', minItems: 1, items: filterScalar }] },
              },
              debounce: language.debounce,
            },
          },
        },
        steps: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'step_type', 'config'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', pattern: STEP_NAME_PATTERN.source, maxLength: 100 },
              step_type: { enum: [...STEP_TYPES] },
              config: { type: 'object' },
              needs: language.needs,
              if: language.if,
              continue_on_error: { type: 'boolean' },
              timeout: { type: 'integer', minimum: 1, maximum: 86400 },
              retries: {
                type: 'object',
                required: ['max_attempts'],
                additionalProperties: false,
                properties: {
                  max_attempts: { type: 'integer', minimum: 1, maximum: 20 },
                  backoff_seconds: { type: 'number', minimum: 0, maximum: 3600 },
                },
              },
            },
            allOf: STEP_TYPES.map((t) => ({
              if: { properties: { step_type: { const: t } }, required: ['step_type'] },
              then: { properties: { config: configs[t] } },
            })),
          },
        },
      },
    },
  },
} as const;
