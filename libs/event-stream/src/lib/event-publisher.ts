import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventEnvelope } from '@mockops/pipeline-core';
import { DEFAULT_EVENT_MAX_BYTES } from './event-entry';
import { DEFAULT_EVENTS_STREAM, EVENT_FIELD, dedupeKeyOf } from './wire';
import { partitionStreamOf, partitionStreamsOf } from './partitions';

export interface PublishOptions {
  workspaceId?: string;
  workspaceName?: string;
  /** The producer's idempotency key; publishing the same id twice for one workspace within `dedupeTtlSeconds` is a no-op. */
  id?: string;
  source?: string;
  occurredAt?: Date | string;
}

export interface PublishResult {
  id: string;
  /** The stream entry id; null when the event id had been published already. */
  entryId: string | null;
  duplicate: boolean;
}

export interface EventPublisherOptions {
  stream?: string;
  /** Partitions of the stream (MOCKOPS_EVENTS_PARTITIONS): each event goes to its workspace's (partitionOf). */
  partitions?: number;
  /** Approximate cap of the stream (XADD MAXLEN ~). */
  maxLen?: number;
  dedupeTtlSeconds?: number;
  /** Default `source` stamped on events that carry none. */
  source?: string;
  /** Largest envelope, in UTF-8 bytes of its JSON (MOCKOPS_EVENT_MAX_BYTES); the matcher dead-letters bigger ones. */
  maxEventBytes?: number;
}

export class EventTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the event is ${bytes} bytes; the limit is ${limit} (MOCKOPS_EVENT_MAX_BYTES)`);
    this.name = 'EventTooLargeError';
  }
}

/**
 * The typed producer client other services use to publish domain events. It writes the canonical
 * envelope in the fixed wire format; the id check and the XADD run in one Lua script, so two
 * concurrent publishes of the same id add one entry.
 */
export class EventPublisher {
  private readonly stream: string;
  private readonly partitions: number;
  private readonly maxLen: number;
  private readonly dedupeTtl: number;
  private readonly source?: string;
  private readonly maxEventBytes: number;

  constructor(
    private readonly redis: Redis,
    opts: EventPublisherOptions = {},
  ) {
    this.stream = opts.stream ?? DEFAULT_EVENTS_STREAM;
    this.partitions = opts.partitions ?? 1;
    this.maxLen = opts.maxLen ?? 1_000_000;
    this.dedupeTtl = opts.dedupeTtlSeconds ?? 7 * 24 * 3600;
    this.source = opts.source;
    this.maxEventBytes = opts.maxEventBytes ?? DEFAULT_EVENT_MAX_BYTES;
  }

  /** The stream (partition 0's name), which also names the channels and counters of the install. */
  get streamName(): string {
    return this.stream;
  }

  /** Every partition's stream, partition 0 first. */
  get streamNames(): string[] {
    return partitionStreamsOf(this.stream, this.partitions);
  }

  /** The partition stream an envelope of this workspace goes to. */
  streamFor(workspaceId: string | null | undefined): string {
    return partitionStreamOf(this.stream, workspaceId, this.partitions);
  }

  publish(type: string, payload: Record<string, unknown>, opts: PublishOptions = {}): Promise<PublishResult> {
    const occurred = opts.occurredAt ?? new Date();
    const envelope: EventEnvelope = {
      id: opts.id ?? randomUUID(),
      type,
      ...(opts.workspaceId !== undefined ? { workspace_id: opts.workspaceId } : {}),
      ...(opts.workspaceName !== undefined ? { workspace_name: opts.workspaceName } : {}),
      occurred_at: typeof occurred === 'string' ? occurred : occurred.toISOString(),
      ...((opts.source ?? this.source) ? { source: opts.source ?? this.source } : {}),
      payload,
    };
    return this.publishEnvelope(envelope);
  }

  async publishEnvelope(envelope: EventEnvelope): Promise<PublishResult> {
    const json = JSON.stringify(envelope);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.maxEventBytes) throw new EventTooLargeError(bytes, this.maxEventBytes);
    // The dedupe key is the partition's co-key (one cluster slot for the script); a workspace always
    // maps to the same partition, so its ids are checked in one place.
    const stream = this.streamFor(envelope.workspace_id);
    const entryId = (await this.redis.eval(
      PUBLISH_SCRIPT,
      2,
      dedupeKeyOf(stream, envelope.workspace_id, envelope.id),
      stream,
      String(this.dedupeTtl),
      String(this.maxLen),
      EVENT_FIELD,
      json,
    )) as string | null;
    return { id: envelope.id, entryId, duplicate: entryId === null };
  }
}

// KEYS[1] dedupe key, KEYS[2] stream; ARGV: ttl, maxlen, field, json. Returns the entry id or nil.
const PUBLISH_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[4])
end
return false
`;
