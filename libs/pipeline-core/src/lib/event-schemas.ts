import { KNOWN_EVENT_TYPES, type KnownEventType } from './events';
import { ENTITY_TYPES } from './types';

/**
 * JSON Schemas (draft-07) of the payloads of the four known event types, for clients that check a
 * payload before publishing it (the run view's publish form). They mirror the payload models in
 * events.ts, which stay the authority; a unit test holds the two in agreement. Extra payload fields
 * are allowed, as they are on the stream.
 */
type Schema = Record<string, unknown>;

const text: Schema = { type: 'string', pattern: '\\S' };
const textOrNumber: Schema = { anyOf: [text, { type: 'number' }] };
const count: Schema = { type: 'number', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

function payload(description: string, required: string[], properties: Record<string, Schema>): Schema {
  return { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', description, required, properties, additionalProperties: true };
}

export const EVENT_PAYLOAD_SCHEMAS: Record<KnownEventType, Schema> = {
  'schema.changed': payload('An API schema changed', ['spec_path', 'schema_type'], {
    spec_path: { ...text, description: 'path of the spec file (under MOCKOPS_SPEC_ROOT), or a URL' },
    schema_type: { enum: ['openapi', 'protobuf'] },
    changes: { type: 'array', description: 'added/removed/modified endpoints, as the producer describes them' },
  }),
  'scenario.published': payload('A scenario version was published', ['scenario_id'], {
    scenario_id: textOrNumber,
    scenario_name: text,
    version: textOrNumber,
    workspace_id: text,
  }),
  'drift.threshold_exceeded': payload('Drift between a mock and its API passed a threshold', ['endpoint', 'drift_count', 'threshold'], {
    endpoint: text,
    drift_count: count,
    threshold: count,
    drift_data: { description: 'the drift report, any shape' },
  }),
  'promotion.completed': payload('An entity was promoted to another environment', ['promotion_id', 'entity_type', 'from_environment', 'to_environment'], {
    promotion_id: textOrNumber,
    entity_type: { enum: [...ENTITY_TYPES] },
    from_environment: text,
    to_environment: text,
    entity_id: textOrNumber,
    version: textOrNumber,
    workspace_id: text,
  }),
};

/** The known event types with their payload schemas, in the spec's order. */
export function eventPayloadSchemas(): { type: KnownEventType; schema: Schema }[] {
  return KNOWN_EVENT_TYPES.map((type) => ({ type, schema: structuredClone(EVENT_PAYLOAD_SCHEMAS[type]) }));
}
