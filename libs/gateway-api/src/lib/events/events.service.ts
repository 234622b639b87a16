import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { validateEvent } from '@mockops/pipeline-core';
import { traceparentOf } from '@mockops/telemetry';
import { Principal } from '../auth/api-keys';
import { ErrorDetail, GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import type { PublishedEventDto } from './event.dto';

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
}
