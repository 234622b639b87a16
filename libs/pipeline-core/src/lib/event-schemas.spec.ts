import Ajv from 'ajv';
import { EVENT_PAYLOAD_SCHEMAS, eventPayloadSchemas } from './event-schemas';
import { KNOWN_EVENT_TYPES, validateEvent, type KnownEventType } from './events';

// Payloads each event type's model accepts or refuses; the JSON Schema must say the same.
const SAMPLES: Record<KnownEventType, unknown[]> = {
  'schema.changed': [
    { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [{ type: 'modified' }] },
    { spec_path: 'a.proto', schema_type: 'protobuf' },
    { spec_path: 'a.yaml', schema_type: 'graphql' },
    { spec_path: '  ', schema_type: 'openapi' },
    { schema_type: 'openapi' },
    { spec_path: 'a.yaml', schema_type: 'openapi', changes: 'all' },
    { spec_path: 'a.yaml', schema_type: 'openapi', extra: { any: 'thing' } },
  ],
  'scenario.published': [
    { scenario_id: 'sc-1', scenario_name: 'checkout', version: '3', workspace_id: 'ws-1' },
    { scenario_id: 42, version: 1.5 },
    { scenario_id: '' },
    { scenario_name: 'no id' },
    { scenario_id: 'sc-1', version: true },
    { scenario_id: 'sc-1', workspace_id: 7 },
    { scenario_id: null },
  ],
  'drift.threshold_exceeded': [
    { endpoint: 'GET /pets', drift_count: 12, threshold: 10, drift_data: { fields: ['id'] } },
    { endpoint: 'GET /pets', drift_count: -1, threshold: 10 },
    { endpoint: 'GET /pets', drift_count: '12', threshold: 10 },
    { endpoint: 'GET /pets', drift_count: 12 },
    { endpoint: '', drift_count: 0, threshold: 0 },
  ],
  'promotion.completed': [
    { promotion_id: 'p-1', entity_type: 'scenario', from_environment: 'dev', to_environment: 'test', entity_id: 'sc-1', version: 3, workspace_id: 'ws' },
    { promotion_id: 7, entity_type: 'persona', from_environment: 'dev', to_environment: 'test' },
    { promotion_id: 'p-1', entity_type: 'mock', from_environment: 'dev', to_environment: 'test' },
    { promotion_id: 'p-1', entity_type: 'config', from_environment: 'dev' },
    { promotion_id: 'p-1', entity_type: 'config', from_environment: 'dev', to_environment: 'test', version: [] },
  ],
};

describe('event payload JSON Schemas', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });

  it('cover exactly the known event types, in order', () => {
    expect(eventPayloadSchemas().map((s) => s.type)).toEqual([...KNOWN_EVENT_TYPES]);
  });

  it.each(KNOWN_EVENT_TYPES.flatMap((type) => SAMPLES[type].map((payload) => [type, payload] as const)))(
    '%s: the schema agrees with the payload model on %j',
    (type, payload) => {
      const model = validateEvent({ id: 'e-1', type, payload }).ok;
      expect(ajv.validate(EVENT_PAYLOAD_SCHEMAS[type], payload)).toBe(model);
    },
  );

  it('has samples on both sides for every type (so the agreement test can fail)', () => {
    for (const type of KNOWN_EVENT_TYPES) {
      const outcomes = SAMPLES[type].map((payload) => validateEvent({ id: 'e', type, payload }).ok);
      expect(outcomes).toContain(true);
      expect(outcomes).toContain(false);
    }
  });
});
