import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_FIELD } from '@mockops/event-stream';
import { eventWorkspaceId, validateEvent, type EventEnvelope } from '@mockops/pipeline-core';
import { traceparentOf } from '@mockops/telemetry';
import { Principal } from '../auth/api-keys';
import { ErrorDetail, GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import type { PublishedEventDto, ReplayedEventDto } from './event.dto';
import { scanStreams, streamsFor } from './stream-scan';

/** How many of the newest stream entries are searched for an event no execution stored. */
const REPLAY_STREAM_SCAN = 5_000;
const REPLAY_STREAM_BYTES = 32 * 1024 * 1024;

/** `payload.scenario_id: required` → {path, message}. */
function detailOf(error: string): ErrorDetail {
  const m = /^([^\s:]+):\s+(.*)$/.exec(error);
  return m ? { path: m[1], message: m[2] } : { message: error };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  /**
   * Validates the envelope with pipeline-core (the same check the matcher applies) and publishes it.
   * A producer-given id makes the call idempotent: the second publish answers `duplicate: true`. Ids
   * are per workspace: another workspace's use of the same id is neither a duplicate nor visible.
   */
  async publish(principal: Principal, body: unknown): Promise<PublishedEventDto> {
    if (body === undefined) throw new GatewayError('BAD_REQUEST', 'an event is required: {type, payload, id?, workspace_id?}');
    if (!isPlainObject(body)) {
      throw new GatewayError('VALIDATION_FAILED', 'the body must be a JSON object {type, payload}', [
        { path: '', message: 'expected an object' },
      ]);
    }
    const raw = { ...body };
    if (principal.workspaces !== null) {
      const asked = raw.workspace_id;
      if (asked === undefined || asked === null) {
        if (principal.workspaces.length !== 1) {
          throw new GatewayError('VALIDATION_FAILED', 'workspace_id is required: this API key is scoped to several workspaces', [
            { path: 'workspace_id', message: `one of ${principal.workspaces.join(', ')}` },
          ]);
        }
        raw.workspace_id = principal.workspaces[0];
      } else if (typeof asked !== 'string' || !principal.workspaces.includes(asked)) {
        throw new GatewayError('FORBIDDEN', `this API key cannot publish events for workspace ${String(asked)}`);
      }
    }
    const result = validateEvent(raw, { fallbackId: randomUUID(), now: new Date() });
    if (!result.ok) {
      throw new GatewayError('VALIDATION_FAILED', `event is invalid: ${result.errors.join('; ')}`, result.errors.map(detailOf));
    }
    // The event's trace: the producer's own (`traceparent` in the envelope), else this request's.
    if (!result.event.traceparent) {
      const traceparent = traceparentOf();
      if (traceparent) result.event.traceparent = traceparent;
    }
    const published = await this.options.publisher.publishEnvelope(result.event).catch((e: Error) => {
      // The same cap the matcher applies to entries on the stream (MOCKOPS_EVENT_MAX_BYTES).
      if (e.name === 'EventTooLargeError') throw new GatewayError('PAYLOAD_TOO_LARGE', e.message);
      throw e;
    });
    if (!published.duplicate) this.logger.debug(`event ${published.id} (${result.event.type}) published as ${published.entryId}`);
    return { id: published.id, duplicate: published.duplicate, entry_id: published.entryId };
  }

  /**
   * Re-publishes a stored event under a new id (`replay_of`: the original's id): found among the
   * events executions were started by, else among the newest entries of the stream. Only an event of
   * one of the key's workspaces can be replayed (others are 404, as if missing). The copy keeps the
   * type, payload, workspace, source and occurred_at, and starts a new trace.
   */
  async replay(principal: Principal, eventId: string, body: unknown): Promise<ReplayedEventDto> {
    if (body !== undefined && !isPlainObject(body)) throw new GatewayError('VALIDATION_FAILED', 'the body, when given, must be {workspace_id?, id?}');
    const opts = (body ?? {}) as { workspace_id?: unknown; id?: unknown };
    if (opts.workspace_id !== undefined && typeof opts.workspace_id !== 'string') throw new GatewayError('VALIDATION_FAILED', 'workspace_id must be a string');
    if (opts.id !== undefined && typeof opts.id !== 'string') throw new GatewayError('VALIDATION_FAILED', 'id must be a string');
    const allowed = principal.workspaces;
    if (typeof opts.workspace_id === 'string' && allowed !== null && !allowed.includes(opts.workspace_id)) throw GatewayError.notFound('event', eventId);
    const scope = typeof opts.workspace_id === 'string' ? [opts.workspace_id] : allowed;
    const visible = (e: EventEnvelope) => scope === null || (eventWorkspaceId(e) !== undefined && scope.includes(eventWorkspaceId(e)!));

    let foundIn: 'executions' | 'stream' = 'executions';
    let candidates = (await this.options.store.findEvents(eventId, scope)).filter(visible);
    if (candidates.length === 0) {
      foundIn = 'stream';
      candidates = await this.findOnStream(eventId, scope, visible);
    }
    const workspaces = new Set(candidates.map((e) => eventWorkspaceId(e) ?? ''));
    if (candidates.length === 0) throw GatewayError.notFound('event', eventId);
    if (workspaces.size > 1) {
      throw new GatewayError('CONFLICT', `event id ${eventId} exists in ${workspaces.size} workspaces: say which with workspace_id`, [
        { path: 'workspace_id', message: [...workspaces].map((w) => w || '(none)').join(', ') },
      ]);
    }
    const original = candidates[0];
    const copy: Record<string, unknown> = { id: opts.id ?? `replay-${randomUUID()}`, type: original.type, payload: original.payload, occurred_at: original.occurred_at, replay_of: original.id };
    for (const key of ['workspace_id', 'workspace_name', 'source'] as const) if (original[key] !== undefined) copy[key] = original[key];
    // As for POST /events: what a workspace key publishes names its workspace in the envelope.
    if (copy['workspace_id'] === undefined && allowed !== null) copy['workspace_id'] = eventWorkspaceId(original);
    const checked = validateEvent(copy, { now: new Date() });
    if (!checked.ok) throw new GatewayError('VALIDATION_FAILED', `the replayed event is invalid: ${checked.errors.join('; ')}`, checked.errors.map(detailOf));
    const traceparent = traceparentOf();
    if (traceparent) checked.event.traceparent = traceparent;
    const published = await this.options.publisher.publishEnvelope(checked.event);
    this.logger.log(`event ${original.id} replayed as ${published.id}${published.duplicate ? ' (already published)' : ''}`);
    return { id: published.id, replay_of: original.id, workspace_id: original.workspace_id ?? null, duplicate: published.duplicate, entry_id: published.entryId, found_in: foundIn };
  }

  /**
   * The newest valid envelopes with this id on the partitions the caller's events are on (at most
   * REPLAY_STREAM_SCAN entries and REPLAY_STREAM_BYTES read).
   */
  private async findOnStream(eventId: string, scope: readonly string[] | null, visible: (e: EventEnvelope) => boolean): Promise<EventEnvelope[]> {
    const redis = this.options.redis;
    if (!redis) return [];
    const found: EventEnvelope[] = [];
    const budget = { maxEntries: REPLAY_STREAM_SCAN, maxBytes: REPLAY_STREAM_BYTES };
    await scanStreams(redis, streamsFor(this.options, scope), { from: '-', to: '+', reverse: true }, budget, ({ id, fields }) => {
      const raw = fields[EVENT_FIELD];
      if (raw === undefined || !raw.includes(eventId)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return;
      }
      const checked = validateEvent(parsed, { fallbackId: id, now: new Date(Number(id.split('-')[0])) });
      if (checked.ok && checked.event.id === eventId && visible(checked.event)) found.push(checked.event);
    });
    return found;
  }
}
