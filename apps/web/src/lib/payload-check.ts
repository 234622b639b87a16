import { Validator, type Schema } from '@cfworker/json-schema';

export interface PayloadProblem {
  /** JSON pointer into the payload ("" = the payload itself). */
  path: string;
  message: string;
}

export type PayloadCheck = { ok: true; payload: Record<string, unknown> } | { ok: false; problems: PayloadProblem[] };

/**
 * Parses the publish form's payload text and checks it against the event type's payload schema (from
 * `GET /event-types`; unknown types are only checked to be a JSON object). The gateway checks again.
 */
export function checkPayload(text: string, schema: Record<string, unknown> | undefined): PayloadCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [{ path: '', message: 'the payload must be a JSON object' }] };
  }
  if (!schema) return { ok: true, payload: value as Record<string, unknown> };
  const result = new Validator(schema as Schema, '7', false).validate(value);
  if (result.valid) return { ok: true, payload: value as Record<string, unknown> };
  // Keep the leaf messages: the validator also reports the enclosing "properties" failure.
  const problems = result.errors
    .filter((e) => !['properties', 'allOf', 'anyOf', 'additionalProperties'].includes(e.keyword) || result.errors.length === 1)
    .map((e) => ({ path: e.instanceLocation.replace(/^#/, ''), message: e.error }));
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.message === p.message) === i);
  return { ok: false, problems: unique.length ? unique : [{ path: '', message: 'does not match the payload schema' }] };
}

/** A starting payload for the form: every required field with a placeholder of its type. */
export function examplePayload(type: string, schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const examples: Record<string, Record<string, unknown>> = {
    'schema.changed': { spec_path: 'petstore.yaml', schema_type: 'openapi', changes: [{ type: 'modified', endpoint: 'GET /pet/{petId}' }] },
    'scenario.published': { scenario_id: 'sc-42', scenario_name: 'checkout-happy-path', version: '3' },
    'drift.threshold_exceeded': { endpoint: 'GET /pets', drift_count: 12, threshold: 10, drift_data: {} },
    'promotion.completed': { promotion_id: 'p-1', entity_type: 'scenario', from_environment: 'dev', to_environment: 'test' },
  };
  if (examples[type]) return examples[type];
  const required = (schema?.['required'] as string[] | undefined) ?? [];
  return Object.fromEntries(required.map((k) => [k, '']));
}
