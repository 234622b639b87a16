import type { EventEnvelope } from './events';
import type { FilterValue, TriggerDefinition } from './types';

/**
 * Filter semantics, compiled once per trigger:
 * - a key names an envelope field (`workspace_id`, `source`, `type`, `id`...) or, when the envelope
 *   has no such field, a payload field; `payload.x` names the payload explicitly;
 * - dotted paths reach nested fields; a list met on the way is searched element by element;
 * - a scalar means equality, a list means any-of; values compare as text, so `5` matches `"5"`;
 * - an event field that is a list matches when any element matches; a missing field never matches.
 */
export interface CompiledFilter {
  key: string;
  segments: string[];
  accepted: ReadonlySet<string>;
}

const NULL_KEY = '\u0000null';

function valueKey(v: unknown): string | undefined {
  if (v === null) return NULL_KEY;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function compileFilters(filters: TriggerDefinition['filters']): CompiledFilter[] {
  if (!filters) return [];
  return Object.entries(filters).map(([key, value]: [string, FilterValue]) => {
    const list = Array.isArray(value) ? value : [value];
    const accepted = new Set<string>();
    for (const v of list) {
      const k = valueKey(v);
      if (k !== undefined) accepted.add(k);
    }
    return { key, segments: key.split('.'), accepted };
  });
}

const hasOwn = Object.prototype.hasOwnProperty;

/** True when some value found at `segments` under `root` is accepted. */
function matchAt(root: unknown, segments: string[], depth: number, accepted: ReadonlySet<string>): boolean | undefined {
  let node = root;
  for (let i = depth; i < segments.length; i++) {
    if (Array.isArray(node)) {
      let found: boolean | undefined;
      for (const item of node) {
        const r = matchAt(item, segments, i, accepted);
        if (r) return true;
        if (r === false) found = false;
      }
      return found;
    }
    if (node === null || typeof node !== 'object' || !hasOwn.call(node, segments[i])) return undefined;
    node = (node as Record<string, unknown>)[segments[i]];
  }
  if (node === undefined) return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const k = valueKey(item);
      if (k !== undefined && accepted.has(k)) return true;
    }
    return false;
  }
  const k = valueKey(node);
  return k !== undefined && accepted.has(k);
}

/** One filter against one event: the envelope first, the payload when the envelope lacks the field. */
export function matchFilter(filter: CompiledFilter, event: EventEnvelope): boolean {
  const inEnvelope = matchAt(event, filter.segments, 0, filter.accepted);
  if (inEnvelope !== undefined) return inEnvelope;
  return matchAt(event.payload, filter.segments, 0, filter.accepted) === true;
}

/** All filters of a trigger (AND); an empty list matches every event of the type. */
export function matchFilters(filters: readonly CompiledFilter[], event: EventEnvelope): boolean {
  for (let i = 0; i < filters.length; i++) if (!matchFilter(filters[i], event)) return false;
  return true;
}

/** The workspace an event belongs to: the envelope's, else the payload's `workspace_id`. */
export function eventWorkspaceId(event: EventEnvelope): string | undefined {
  if (typeof event.workspace_id === 'string' && event.workspace_id) return event.workspace_id;
  const fromPayload = event.payload?.workspace_id;
  return typeof fromPayload === 'string' && fromPayload ? fromPayload : undefined;
}

/** Why one filter matched or not: what it accepts and what the event holds at its path. */
export interface FilterExplanation {
  key: string;
  matched: boolean;
  /** The values the filter accepts, as written (compared as text). */
  expected: FilterValue;
  /** Where the value was read: the envelope, else the payload; `missing` when neither has it. */
  source: 'envelope' | 'payload' | 'missing';
  /** The value at the path; the values found, as a list, when the path crosses lists. */
  actual?: unknown;
}

/** The value(s) at `segments`; lists met on the way are searched element by element. */
function valuesAt(root: unknown, segments: string[]): { found: boolean; value?: unknown } {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    if (Array.isArray(node)) {
      const values = node.map((item) => valuesAt(item, segments.slice(i))).filter((r) => r.found);
      return values.length ? { found: true, value: values.map((r) => r.value) } : { found: false };
    }
    if (node === null || typeof node !== 'object' || !hasOwn.call(node, segments[i])) return { found: false };
    node = (node as Record<string, unknown>)[segments[i]];
  }
  return node === undefined ? { found: false } : { found: true, value: node };
}

/**
 * Explains a trigger's filters against an event (the dry run): each filter with its verdict, and the
 * first that failed. The verdict is matchFilter's own, so an explanation never disagrees with matching.
 */
export function explainFilters(filters: TriggerDefinition['filters'], event: EventEnvelope): { matched: boolean; filters: FilterExplanation[]; failed?: FilterExplanation } {
  const compiled = compileFilters(filters);
  const explained = compiled.map((filter): FilterExplanation => {
    const inEnvelope = matchAt(event, filter.segments, 0, filter.accepted) !== undefined;
    const at = inEnvelope ? valuesAt(event, filter.segments) : valuesAt(event.payload, filter.segments);
    const explanation: FilterExplanation = {
      key: filter.key,
      matched: matchFilter(filter, event),
      expected: (filters ?? {})[filter.key],
      source: inEnvelope ? 'envelope' : at.found ? 'payload' : 'missing',
    };
    if (at.found) explanation.actual = at.value;
    return explanation;
  });
  const failed = explained.find((f) => !f.matched);
  return failed ? { matched: false, filters: explained, failed } : { matched: true, filters: explained };
}
