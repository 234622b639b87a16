import { formatPath } from './diagnostics';
import { MAX_INPUT_DEPTH, findInputProblem, isValidIsoDateTime, stringProblem } from './input-checks';
import { ENTITY_TYPES } from './types';
import { Field, isPlainObject, listOf, mapping, num, oneOf, str, strOrNum, type Check } from './validation/checks';
import { validateSection } from './validation/section';

/** The one canonical event shape, on the stream and on the API (ARCHITECTURE.md, "Events"). */
export interface EventEnvelope {
  /** The producer's idempotency key. */
  id: string;
  type: string;
  workspace_id?: string;
  workspace_name?: string;
  /** ISO 8601. */
  occurred_at: string;
  source?: string;
  /** W3C trace context of the producer (`00-<trace id>-<span id>-<flags>`): the event's trace continues it. */
  traceparent?: string;
  /** Set on a replayed event: the id of the event it re-publishes (`mockforge events replay`). */
  replay_of?: string;
  payload: Record<string, unknown>;
}

export const KNOWN_EVENT_TYPES = ['schema.changed', 'scenario.published', 'drift.threshold_exceeded', 'promotion.completed'] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

export function isKnownEventType(type: string): type is KnownEventType {
  return (KNOWN_EVENT_TYPES as readonly string[]).includes(type);
}

const anything: Check = () => null;

/** Payload schemas of the spec's four events. Extra fields are allowed: producers add more. */
class SchemaChangedPayload {
  @Field(str(), { required: true })
  spec_path: unknown;
  @Field(oneOf(['openapi', 'protobuf'], 'schema_type'), { required: true })
  schema_type: unknown;
  /** Added/removed/modified endpoints; their shape is the producer's. */
  @Field(listOf(anything))
  changes: unknown;
}

class ScenarioPublishedPayload {
  @Field(strOrNum, { required: true })
  scenario_id: unknown;
  @Field(str())
  scenario_name: unknown;
  @Field(strOrNum)
  version: unknown;
  @Field(str())
  workspace_id: unknown;
}

class DriftThresholdExceededPayload {
  @Field(str(), { required: true })
  endpoint: unknown;
  @Field(num(0, Number.MAX_SAFE_INTEGER), { required: true })
  drift_count: unknown;
  @Field(num(0, Number.MAX_SAFE_INTEGER), { required: true })
  threshold: unknown;
  @Field(anything)
  drift_data: unknown;
}

class PromotionCompletedPayload {
  @Field(strOrNum, { required: true })
  promotion_id: unknown;
  @Field(oneOf(ENTITY_TYPES, 'entity_type'), { required: true })
  entity_type: unknown;
  @Field(str(), { required: true })
  from_environment: unknown;
  @Field(str(), { required: true })
  to_environment: unknown;
  // Not in the spec's list, but carried by auto_promote's events.
  @Field(strOrNum)
  entity_id: unknown;
  @Field(strOrNum)
  version: unknown;
  @Field(str())
  workspace_id: unknown;
}

const PAYLOAD_MODELS: Record<KnownEventType, new () => object> = {
  'schema.changed': SchemaChangedPayload,
  'scenario.published': ScenarioPublishedPayload,
  'drift.threshold_exceeded': DriftThresholdExceededPayload,
  'promotion.completed': PromotionCompletedPayload,
};

/**
 * Payload fields per event type (template `event.X` warnings use them): the spec's, plus what our own
 * producers add — auto_promote's promotion.completed also carries entity_id, version and workspace_id.
 */
export const EVENT_PAYLOAD_FIELDS: Record<KnownEventType, readonly string[]> = {
  'schema.changed': ['spec_path', 'schema_type', 'changes'],
  'scenario.published': ['scenario_id', 'scenario_name', 'version', 'workspace_id'],
  'drift.threshold_exceeded': ['endpoint', 'drift_count', 'threshold', 'drift_data'],
  'promotion.completed': ['promotion_id', 'entity_type', 'from_environment', 'to_environment', 'entity_id', 'version', 'workspace_id'],
};

/**
 * Envelope strings become keys and columns downstream (execution ids, unique indexes, Postgres text,
 * which cannot hold NUL): control characters are refused here, so such an event is dead-lettered
 * instead of failing its batch over and over.
 */
const label =
  (max: number): Check =>
  (v) =>
    str({ max })(v) ??
    (typeof v === 'string' && /\p{Cc}/u.test(v) ? { message: 'must not contain control characters' } : null) ??
    (typeof v === 'string' && stringProblem(v) ? { message: stringProblem(v)! } : null);

const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

class EnvelopeModel {
  @Field(label(512))
  id: unknown;
  @Field(label(200), { required: true })
  type: unknown;
  @Field(label(200))
  workspace_id: unknown;
  @Field(label(500))
  workspace_name: unknown;
  @Field((v) => (typeof v === 'string' && isValidIsoDateTime(v) ? null : { message: 'must be an ISO 8601 date-time (a real calendar date)' }))
  occurred_at: unknown;
  @Field(label(200))
  source: unknown;
  @Field((v) => (typeof v === 'string' && TRACEPARENT.test(v) ? null : { message: 'must be a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>' }))
  traceparent: unknown;
  @Field(label(512))
  replay_of: unknown;
  @Field(mapping, { required: true })
  payload: unknown;
}

export type ValidateEventResult = { ok: true; event: EventEnvelope } | { ok: false; errors: string[] };

/**
 * Checks an incoming event (parsed JSON). A missing `id` becomes `fallbackId` (the stream entry id)
 * and a missing `occurred_at` becomes `now`; unknown envelope keys are errors, unknown payload keys
 * are not. Errors read `payload.scenario_id: required`.
 */
export function validateEvent(raw: unknown, opts: { fallbackId?: string; now?: Date } = {}): ValidateEventResult {
  if (!isPlainObject(raw)) return { ok: false, errors: ['(event): must be a JSON object'] };
  const envelope = validateSection(EnvelopeModel, raw, [], 'a JSON object');
  const errors = envelope.issues.map((i) => `${formatPath(i.path) || '(event)'}: ${i.message}`);
  // Valid text and bounded depth in the payload too: such an event would otherwise fail downstream
  // (Postgres refuses NUL and surrogate halves) over and over instead of being refused once.
  const problem = isPlainObject(raw.payload) ? findInputProblem(raw.payload, { path: ['payload'], maxDepth: MAX_INPUT_DEPTH - 1 }) : null;
  if (problem) errors.push(`${problem.path}: ${problem.message}`);
  const v = envelope.value;
  const type = typeof v.type === 'string' ? v.type : undefined;
  if (type && isKnownEventType(type) && isPlainObject(v.payload)) {
    const model = PAYLOAD_MODELS[type];
    // Only the known fields are checked; the extra ones are passed through untouched.
    const known = Object.fromEntries(Object.entries(v.payload).filter(([k]) => EVENT_PAYLOAD_FIELDS[type].includes(k)));
    const payload = validateSection(model, known, ['payload']);
    errors.push(...payload.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  const id = (v.id as string | undefined) ?? opts.fallbackId;
  if (!id && !envelope.invalid.has('id')) errors.push('id: required (no id and no fallback id)');
  if (errors.length) return { ok: false, errors };
  const event: EventEnvelope = {
    id: id as string,
    type: type as string,
    occurred_at: (v.occurred_at as string | undefined) ?? (opts.now ?? new Date()).toISOString(),
    payload: v.payload as Record<string, unknown>,
  };
  if (v.workspace_id !== undefined) event.workspace_id = v.workspace_id as string;
  if (v.workspace_name !== undefined) event.workspace_name = v.workspace_name as string;
  if (v.source !== undefined) event.source = v.source as string;
  if (v.traceparent !== undefined) event.traceparent = v.traceparent as string;
  if (v.replay_of !== undefined) event.replay_of = v.replay_of as string;
  return { ok: true, event };
}
