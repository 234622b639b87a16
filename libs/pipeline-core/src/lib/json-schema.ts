import { ENTITY_TYPES, FILE_OPERATIONS, NOTIFY_TYPES, SDK_LANGUAGES, STEP_TYPES } from './types';
import { EXPRESSION_LIMITS } from './expressions/parser';
import { EVENT_TYPE_PATTERN, STEP_NAME_PATTERN } from './validation/document.model';
import { NOTIFY_FIELDS_BY_TYPE } from './validation/step-config.models';

/**
 * JSON Schema (draft-07) of a pipeline file, for editors and other tools. It mirrors the
 * class-validator models; the parser stays the authority (it also reports positions and warnings).
 * Written to libs/pipeline-core/schema/pipeline.schema.json; a unit test keeps the two equal.
 */

type Schema = Record<string, unknown>;

const template: Schema = { type: 'string', pattern: '\\{\\{|\\{%', description: 'A Liquid template, checked when rendered' };
const orTemplate = (s: Schema): Schema => ({ anyOf: [s, template] });
const text: Schema = { type: 'string', minLength: 1 };
const optionalText: Schema = { type: 'string' };
const textOrNumber: Schema = { type: ['string', 'number'] };
const httpUrl: Schema = { type: 'string', pattern: '^https?://' };
const textList: Schema = { type: 'array', items: text };
const emailList: Schema = { type: 'array', minItems: 1, items: { type: 'string', minLength: 3 } };
const filterScalar: Schema = { type: ['string', 'number', 'boolean', 'null'] };
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

const notifyCommon = {
  type: orTemplate({ enum: [...NOTIFY_TYPES] }),
  message: text,
  timeout_seconds: orTemplate({ type: 'integer', minimum: 1, maximum: 300 }),
};
const notifyFields: Record<string, Schema> = {
  slack_webhook_url: orTemplate(httpUrl),
  channels: orTemplate(textList),
  username: text,
  icon_emoji: text,
  email_to: { anyOf: [emailList, { type: 'string', minLength: 3 }] },
  subject: optionalText,
  email_from: { type: 'string', minLength: 3 },
  smtp_url: orTemplate({ type: 'string', pattern: '^smtps?://' }),
  webhook_url: orTemplate(httpUrl),
  webhook_secret: text,
  headers: { type: 'object', additionalProperties: { type: 'string' } },
};

const notifyConfig: Schema = {
  type: 'object',
  required: ['type', 'message'],
  properties: { ...notifyCommon, ...notifyFields },
  additionalProperties: false,
  allOf: NOTIFY_TYPES.map((t) => ({
    if: { properties: { type: { const: t } }, required: ['type'] },
    then: {
      propertyNames: { enum: [...Object.keys(notifyCommon), ...NOTIFY_FIELDS_BY_TYPE[t]] },
      ...(t === 'email' ? { required: ['email_to'] } : t === 'webhook' ? { required: ['webhook_url'] } : {}),
    },
  })),
};

const configs: Record<string, Schema> = {
  regenerate_sdk: {
    type: 'object',
    required: ['languages'],
    properties: {
      languages: orTemplate({ type: 'array', minItems: 1, uniqueItems: true, items: orTemplate({ enum: [...SDK_LANGUAGES] }) }),
      spec_path: text,
      spec: text,
      output_dir: text,
      workspace_id: textOrNumber,
      package_name: text,
    },
    additionalProperties: false,
  },
  auto_promote: {
    type: 'object',
    required: ['entity_type', 'entity_id', 'from_environment', 'to_environment'],
    properties: {
      entity_type: orTemplate({ enum: [...ENTITY_TYPES] }),
      entity_id: textOrNumber,
      from_environment: text,
      to_environment: text,
      comments: optionalText,
      version: textOrNumber,
      require_approval: orTemplate({ type: 'boolean' }),
      allow_skip: orTemplate({ type: 'boolean' }),
    },
    additionalProperties: false,
  },
  notify: notifyConfig,
  create_pr: {
    type: 'object',
    required: ['repository', 'branch', 'title', 'files'],
    properties: {
      repository: orTemplate(httpUrl),
      branch: text,
      title: text,
      body: optionalText,
      files: {
        anyOf: [
          {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['path'],
              properties: { path: text, content: { type: 'string' }, operation: orTemplate({ enum: [...FILE_OPERATIONS] }) },
              additionalProperties: false,
              if: { properties: { operation: { const: 'delete' } }, required: ['operation'] },
              else: { required: ['content'] },
            },
          },
          template,
        ],
      },
      head_branch: text,
      labels: orTemplate(textList),
      reviewers: orTemplate(textList),
      draft: orTemplate({ type: 'boolean' }),
      api_url: orTemplate(httpUrl),
      token: { ...template, description: 'Only as a secret reference such as {{secrets.GITHUB_TOKEN}}' },
      commit_message: text,
    },
    additionalProperties: false,
  },
};

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
