import { validateEvent, type EventEnvelope } from '@mockops/pipeline-core';
import type { DeadLetter, StreamEntry } from './stream-consumer';
import { EVENT_FIELD } from './wire';

/** Default cap of one event (MOCKOPS_EVENT_MAX_BYTES): the same on the gateway and on the stream. */
export const DEFAULT_EVENT_MAX_BYTES = 1024 * 1024;

export type ParsedEntry = { ok: true; event: EventEnvelope } | { ok: false; dead: DeadLetter };

/**
 * Turns a stream entry into a valid event, or into the dead letter that says why it is not one:
 * no `event` field, bytes that are not UTF-8, larger than the cap, not JSON, or not a valid envelope
 * (text with NUL or surrogate halves, nesting too deep, a payload the event type does not allow).
 */
export function parseEventEntry(entry: StreamEntry, opts: { maxBytes?: number; now?: Date } = {}): ParsedEntry | null {
  if (!entry.fields) return null; // trimmed away before it was read: nothing to do but ack
  const raw = entry.fields[EVENT_FIELD];
  const dead = (code: DeadLetter['code'], reason: string, original = raw ?? JSON.stringify(entry.fields)): ParsedEntry => ({
    ok: false,
    dead: { entryId: entry.id, code, reason, original },
  });
  if (raw === undefined) return dead('no_event_field', `entry has no "${EVENT_FIELD}" field`);
  const maxBytes = opts.maxBytes ?? DEFAULT_EVENT_MAX_BYTES;
  if (entry.bytes > maxBytes) return dead('too_large', `entry is ${entry.bytes} bytes; the limit is ${maxBytes} (MOCKOPS_EVENT_MAX_BYTES)`);
  if (entry.invalidUtf8?.length) {
    return dead('invalid_utf8', `field(s) ${entry.invalidUtf8.join(', ')} are not valid UTF-8`, Buffer.from(raw, 'utf8').toString('base64'));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return dead('invalid_json', `invalid JSON: ${(e as Error).message}`);
  }
  const checked = validateEvent(parsed, { fallbackId: entry.id, now: opts.now });
  if (!checked.ok) return dead('invalid_event', `invalid event: ${checked.errors.join('; ')}`);
  return { ok: true, event: checked.event };
}
