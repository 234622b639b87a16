import { coKeyOf } from './redis-keys';

/**
 * The wire format on Redis, fixed (ARCHITECTURE.md, "Events") so that producers that are not ours can publish:
 * one stream (default `mockops:events`), each entry one field `event` holding the envelope as JSON.
 *
 *   XADD mockops:events * event '{"id":"e-1","type":"schema.changed","payload":{...}}'
 */
export const DEFAULT_EVENTS_STREAM = 'mockops:events';
export const EVENT_FIELD = 'event';
export const MATCHER_GROUP = 'mockops-matcher';

// The keys below are the stream's co-keys: each carries the stream's hash tag (coKeyOf), so the
// scripts and MULTIs that use them together with the stream stay on one Redis Cluster slot.

/** Malformed entries go here with the reason and the original, then are acked. */
export function deadLetterStreamOf(stream: string): string {
  return coKeyOf(stream, 'dead');
}

/** Pub/sub channel on which pipeline changes are announced to every matcher replica. */
export function pipelineChangesChannelOf(stream: string): string {
  return `${stream}:pipeline-changes`;
}

/** Counter of pipeline changes (see PipelineChange.version). */
export function pipelinesVersionKeyOf(stream: string): string {
  return coKeyOf(stream, 'pipelines-version');
}

/**
 * Key guarding a producer-given event id against double publishing. Ids are unique per workspace
 * (PRODUCT §9): two workspaces may use the same id without one's event hiding the other's. The
 * workspace is length-prefixed so no (workspace, id) pair can spell another's key.
 */
export function dedupeKeyOf(stream: string, workspaceId: string | undefined | null, eventId: string): string {
  const ws = workspaceId ?? '';
  return coKeyOf(stream, `seen:${ws.length}:${ws}:${eventId}`);
}

/** Turns the flat [field, value, field, value] array of an entry into an object. */
export function entryFields(flat: string[]): Record<string, string> {
  return pairsOf(flat) as Record<string, string>;
}

/** A flat `[name, value, name, value, …]` Redis reply (a stream entry's fields, an XINFO record) as an object. */
export function pairsOf(flat: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
