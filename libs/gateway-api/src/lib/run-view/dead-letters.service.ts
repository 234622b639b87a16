import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { EVENT_FIELD, deadLetterStreamOf, entryFields } from '@mockops/event-stream';
import { validateEvent } from '@mockops/pipeline-core';
import { type Principal, canAccessWorkspace } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { type DeadLetterDto, type DeadLetterPageDto, type DeadLetterReplayDto, type ReplayedDeadLetterDto, STREAM_ENTRY_ID } from './run-view.dto';
import { eventsStreamsOf } from './run-view.tokens';

/** The hash remembering which dead letters were replayed: dead entry id → {entry_id, at, by}. */
export function replayedDeadLettersKeyOf(stream: string): string {
  return `${deadLetterStreamOf(stream)}:replayed`;
}

/** The event stream's cap (MOCKOPS_EVENTS_MAXLEN's default), as the publisher applies it. */
const EVENTS_MAXLEN = 1_000_000;
/** At most this many entries are read for one page (scoped keys skip other workspaces' entries). */
const MAX_SCAN = 5_000;

// KEYS[1] event stream, KEYS[2] replayed hash; ARGV: dead entry id, maxlen, field, envelope json, replay record json.
// Marking and adding in one script: a dead letter is replayed at most once, even by two concurrent calls.
const REPLAY_SCRIPT = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], (string.gsub(ARGV[5], '"@ENTRY@"', '"' .. id .. '"')))
return id
`;

interface ParsedOriginal {
  type: string | null;
  id: string | null;
  workspaceId: string | null;
  value: unknown;
  parses: boolean;
}

function parseOriginal(original: string): ParsedOriginal {
  try {
    const value: unknown = JSON.parse(original);
    const v = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const text = (x: unknown) => (typeof x === 'string' ? x : null);
    return { type: text(v['type']), id: text(v['id']), workspaceId: text(v['workspace_id']), value, parses: true };
  } catch {
    return { type: null, id: null, workspaceId: null, value: undefined, parses: false };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stream entry ids compare as (milliseconds, sequence). */
function compareIdsDesc(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am > bm ? -1 : 1) : as === bs ? 0 : as > bs ? -1 : 1;
}

/**
 * The dead-letter stream (`{<stream>}:dead`; one per partition of the event stream) for people: list its entries newest first and replay one,
 * as is or corrected, back onto the event stream. Admin keys see every entry; a scoped key only those
 * whose original envelope parses and names one of its workspaces.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  async list(principal: Principal, query: { limit?: number; cursor?: string }): Promise<DeadLetterPageDto> {
    const redis = this.redis();
    const limit = query.limit ?? 50;
    const items: DeadLetterDto[] = [];
    let end = query.cursor ? `(${query.cursor}` : '+';
    let scanned = 0;
    let lastId: string | null = null;
    let exhausted = false;
    while (items.length < limit && scanned < MAX_SCAN) {
      const count = Math.min(Math.max(limit * 2, 50), MAX_SCAN - scanned);
      const batch = await this.newest(redis, end, count);
      if (batch.length === 0) {
        exhausted = true;
        break;
      }
      for (const [id, flat] of batch) {
        lastId = id;
        scanned++;
        const entry = this.present(id, flat);
        if (this.visible(principal, entry)) items.push(entry);
        if (items.length === limit) break;
      }
      end = `(${lastId}`;
      // A short batch read to its end: nothing older is left.
      if (batch.length < count && lastId === batch[batch.length - 1][0]) {
        exhausted = true;
        break;
      }
    }
    if (!exhausted && lastId) exhausted = (await this.newest(redis, `(${lastId}`, 1)).length === 0;
    await this.attachReplays(items);
    return { items, next_cursor: exhausted ? null : lastId };
  }

  async get(principal: Principal, id: string): Promise<DeadLetterDto> {
    const entry = await this.find(principal, id);
    await this.attachReplays([entry]);
    return entry;
  }

  /**
   * Replays a dead letter onto the event stream: the corrected envelope when one is given, else the
   * original. The envelope is checked like `POST /events`; the entry is marked replayed in the same
   * Redis script that adds it, so a second replay is a CONFLICT.
   */
  async replay(principal: Principal, id: string, body: unknown): Promise<ReplayedDeadLetterDto> {
    const entry = await this.find(principal, id);
    // Checked again atomically by the script below; this answers a repeated replay before validating it.
    const [known] = await this.attachReplays([entry]);
    if (known.replayed) throw new GatewayError('CONFLICT', `dead letter ${id} was already replayed as ${known.replayed.entry_id} at ${known.replayed.at}`);
    const corrected = isPlainObject(body) && Object.keys(body).length > 0 ? body : undefined;
    if (body !== undefined && !isPlainObject(body)) throw new GatewayError('VALIDATION_FAILED', 'the body, when given, must be the corrected event envelope (a JSON object)');
    let raw: unknown = corrected;
    if (raw === undefined) {
      const parsed = parseOriginal(entry.original);
      if (!parsed.parses) throw new GatewayError('VALIDATION_FAILED', 'the original is not valid JSON: send the corrected envelope as the body');
      raw = parsed.value;
    }
    if (!isPlainObject(raw)) throw new GatewayError('VALIDATION_FAILED', 'the event must be a JSON object {type, payload}');
    const envelope = { ...raw };
    if (principal.workspaces !== null) {
      const asked = envelope['workspace_id'];
      if (typeof asked !== 'string' || !principal.workspaces.includes(asked)) {
        throw new GatewayError('FORBIDDEN', `this API key cannot publish events for workspace ${String(asked ?? '(none)')}`);
      }
    }
    const checked = validateEvent(envelope, { fallbackId: `dead-letter:${id}`, now: new Date() });
    if (!checked.ok) {
      throw new GatewayError(
        'VALIDATION_FAILED',
        `event is invalid: ${checked.errors.join('; ')}`,
        checked.errors.map((e) => ({ message: e })),
      );
    }
    const at = new Date().toISOString();
    // Back onto the partition it was dead-lettered from: the script's keys stay on one cluster slot.
    const { stream, replayed } = this.partitionOf(entry);
    const record: DeadLetterReplayDto = { entry_id: '@ENTRY@', at, by: principal.keyId };
    const entryId = (await this.redis().eval(
      REPLAY_SCRIPT,
      2,
      stream,
      replayed,
      id,
      String(EVENTS_MAXLEN),
      EVENT_FIELD,
      JSON.stringify(checked.event),
      JSON.stringify(record),
    )) as string | null;
    if (!entryId) {
      const [done] = await this.attachReplays([entry]);
      throw new GatewayError('CONFLICT', `dead letter ${id} was already replayed${done?.replayed ? ` as ${done.replayed.entry_id} at ${done.replayed.at}` : ''}`);
    }
    this.logger.log(`dead letter ${id} replayed as ${entryId} (event ${checked.event.id})${corrected ? ', corrected' : ''}`);
    return { id, entry_id: entryId, event_id: checked.event.id, event_type: checked.event.type, replayed_at: at };
  }

  private async find(principal: Principal, id: string): Promise<DeadLetterDto> {
    if (!STREAM_ENTRY_ID.test(id)) throw GatewayError.notFound('dead letter', id);
    let entry: DeadLetterDto | null = null;
    for (const { dead } of this.partitions()) {
      const [found] = (await this.redis().xrange(dead, id, id)) as [string, string[]][];
      if (found) {
        entry = this.present(found[0], found[1]);
        break;
      }
    }
    // Another workspace's entry is reported missing, as everywhere in the API.
    if (!entry || !this.visible(principal, entry)) throw GatewayError.notFound('dead letter', id);
    return entry;
  }

  private present(id: string, flat: string[]): DeadLetterDto {
    const f = entryFields(flat);
    const original = f['original'] ?? '';
    const parsed = parseOriginal(original);
    return {
      id,
      reason: f['reason'] ?? '',
      original,
      entry_id: f['entry_id'] ?? null,
      stream: f['stream'] ?? null,
      at: f['at'] ?? null,
      event_type: parsed.type,
      event_id: parsed.id,
      workspace_id: parsed.workspaceId,
      replayed: null,
    };
  }

  private visible(principal: Principal, entry: DeadLetterDto): boolean {
    return principal.workspaces === null || (entry.workspace_id !== null && canAccessWorkspace(principal, entry.workspace_id));
  }

  private async attachReplays(entries: DeadLetterDto[]): Promise<DeadLetterDto[]> {
    if (entries.length === 0) return entries;
    const values = await Promise.all(entries.map((e) => this.redis().hget(this.partitionOf(e).replayed, e.id)));
    entries.forEach((e, i) => {
      const v = values[i];
      if (!v) return;
      try {
        e.replayed = JSON.parse(v) as DeadLetterReplayDto;
      } catch {
        e.replayed = { entry_id: 'unknown', at: '', by: null };
      }
    });
    return entries;
  }

  /** Each partition's stream, dead-letter stream and replay marks. */
  private partitions(): { stream: string; dead: string; replayed: string }[] {
    return eventsStreamsOf(this.options).map((stream) => ({ stream, dead: deadLetterStreamOf(stream), replayed: replayedDeadLettersKeyOf(stream) }));
  }

  /** The partition a dead letter came from (the `stream` it records), else partition 0. */
  private partitionOf(entry: DeadLetterDto): { stream: string; dead: string; replayed: string } {
    const all = this.partitions();
    return all.find((p) => p.stream === entry.stream) ?? all[0];
  }

  /** The `count` newest dead letters before `end` over every partition, newest first. */
  private async newest(redis: Redis, end: string, count: number): Promise<[string, string[]][]> {
    const parts = await Promise.all(this.partitions().map(({ dead }) => redis.xrevrange(dead, end, '-', 'COUNT', count) as Promise<[string, string[]][]>));
    return parts.length === 1 ? parts[0] : parts.flat().sort((a, b) => compareIdsDesc(a[0], b[0])).slice(0, count);
  }

  private redis(): Redis {
    if (!this.options.redis) throw new GatewayError('UNAVAILABLE', 'dead letters need the Redis connection, which this gateway does not have');
    return this.options.redis;
  }
}
