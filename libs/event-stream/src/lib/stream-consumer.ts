import { isUtf8 } from 'node:buffer';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { LogSink } from '@mockops/pipeline-core';
import { countDeadLetter } from '@mockops/telemetry';
import { deadLetterStreamOf } from './wire';

/** One stream entry as read: its fields, or null when it was trimmed away before it was read. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string> | null;
  /** Fields whose bytes were not valid UTF-8 (decoding would have replaced them with U+FFFD silently). */
  invalidUtf8?: string[];
  /** Total bytes of the entry's field values. */
  bytes: number;
}

/** Bounded reasons, so they can label metrics. */
export type DeadLetterReason = 'no_event_field' | 'invalid_json' | 'invalid_event' | 'invalid_utf8' | 'too_large' | 'processing_failed';

export interface DeadLetter {
  entryId: string;
  code: DeadLetterReason;
  reason: string;
  original: string;
}

export interface StreamConsumerOptions {
  /** Commands (XACK, XADD, XAUTOCLAIM). */
  redis: Redis;
  /** Creates the dedicated connection for blocking reads; defaults to redis.duplicate(). */
  duplicate?: () => Redis;
  stream: string;
  group: string;
  consumer?: string;
  /** Where a new group starts: `$` (new entries only) or `0` (the whole stream). */
  startId: string;
  batchSize: number;
  blockMs: number;
  /** Entries pending this long on another consumer (a crashed replica) are reclaimed. */
  claimIdleMs: number;
  /**
   * Handles a batch: resolves when every entry is done with (the ones it returns as dead letters are
   * moved to the dead-letter stream), throws when the batch must be read again.
   */
  handleBatch(entries: StreamEntry[]): Promise<{ dead?: DeadLetter[] } | void>;
  /**
   * Resolves when what a batch needs (Postgres) answers. After repeated failures entries are tried one
   * by one; one that still fails while the probe passes is a poison entry and is dead-lettered, while
   * a failing probe means an outage: everything stays pending and is retried with backoff.
   */
  probe(): Promise<unknown>;
  logger: LogSink;
  /** Called after every handled batch (metrics). */
  onBatch?(stats: { read: number; dead: DeadLetter[] }): void;
}

/** Consecutive batch failures after which entries are tried one by one to find a poison entry. */
const ISOLATE_AFTER_FAILURES = 3;
const DEAD_LETTER_MAXLEN = 100_000;
/** Longest original kept in a dead letter (the too-large ones are cut). */
const MAX_DEAD_ORIGINAL = 64 * 1024;

/**
 * One consumer-group loop for every consumer of the events stream (the trigger-matcher, the
 * published-versions recorder, any added later): reads its own pending entries first after a
 * (re)start, reclaims entries a crashed replica left pending, hands batches to `handleBatch`, acks
 * them together with the dead letters in one MULTI, and isolates poison entries so one bad entry —
 * one workspace's bad input — never blocks the stream for the others.
 */
export class StreamConsumer {
  readonly consumer: string;
  readonly deadStream: string;
  private reader?: Redis;
  private running = false;
  private loop?: Promise<void>;
  private lastClaimAt = 0;
  private replayOwnPending = true;

  constructor(private readonly opts: StreamConsumerOptions) {
    this.consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
    this.deadStream = deadLetterStreamOf(opts.stream);
  }

  /** Creates the group (MKSTREAM) if missing. */
  async ensureGroup(): Promise<void> {
    try {
      await this.opts.redis.xgroup('CREATE', this.opts.stream, this.opts.group, this.opts.startId, 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.reader = (this.opts.duplicate ?? (() => this.opts.redis.duplicate()))();
    this.running = true;
    this.loop = this.run();
  }

  /** Stops reading; the batch in hand is finished (and acked) before this resolves. */
  async stop(): Promise<void> {
    this.running = false;
    // A blocked XREADGROUP returns after blockMs at the latest; disconnecting ends it at once.
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const entries = await this.nextBatch();
        if (entries.length) {
          if (failures >= ISOLATE_AFTER_FAILURES) await this.processOneByOne(entries);
          else await this.process(entries);
        }
        failures = 0;
      } catch (e) {
        if (!this.running) break;
        failures++;
        // Unacked entries stay pending; replay them once the cause (Postgres down...) is gone.
        this.replayOwnPending = true;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        this.opts.logger.error(`${this.opts.group}: batch failed (retrying in ${delay} ms): ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Handles entries and acks them (dead letters first, in the same MULTI). Exposed for tests. */
  async process(entries: StreamEntry[]): Promise<{ dead: DeadLetter[] }> {
    const result = (await this.opts.handleBatch(entries)) ?? {};
    const dead = result.dead ?? [];
    await this.ack(entries, dead);
    this.opts.onBatch?.({ read: entries.length, dead });
    return { dead };
  }

  private async processOneByOne(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.process([entry]);
      } catch (e) {
        // Throws during an outage: then nothing is dead-lettered and the batch is retried.
        await this.opts.probe();
        const original = entry.fields ? (entry.fields['event'] ?? JSON.stringify(entry.fields)) : '';
        const dead: DeadLetter = { entryId: entry.id, code: 'processing_failed', reason: `processing failed repeatedly: ${(e as Error).message}`, original };
        await this.ack([entry], [dead]);
        this.opts.onBatch?.({ read: 1, dead: [dead] });
      }
    }
  }

  private async ack(entries: StreamEntry[], dead: DeadLetter[]): Promise<void> {
    const { redis, stream, group } = this.opts;
    const tx = redis.multi();
    const at = new Date().toISOString();
    for (const d of dead) {
      const cut = d.original.length > MAX_DEAD_ORIGINAL;
      tx.xadd(
        this.deadStream, 'MAXLEN', '~', DEAD_LETTER_MAXLEN, '*',
        'reason', d.reason, 'code', d.code, 'original', cut ? d.original.slice(0, MAX_DEAD_ORIGINAL) : d.original,
        ...(cut ? ['truncated', 'true'] : []),
        'entry_id', d.entryId, 'stream', stream, 'group', group, 'at', at,
      );
    }
    if (entries.length) tx.xack(stream, group, ...entries.map((e) => e.id));
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
    for (const d of dead) {
      countDeadLetter(d.code);
      this.opts.logger.warn(`${group}: dead-lettered ${d.entryId}: ${d.reason}`);
    }
  }

  private async nextBatch(): Promise<StreamEntry[]> {
    const { stream, group, batchSize, blockMs, claimIdleMs } = this.opts;
    if (this.replayOwnPending) {
      const own = await this.read('0', undefined);
      if (own.length) return own;
      this.replayOwnPending = false;
    }
    if (Date.now() - this.lastClaimAt >= claimIdleMs / 2) {
      this.lastClaimAt = Date.now();
      const claimed = (await this.opts.redis.callBuffer('XAUTOCLAIM', stream, group, this.consumer, claimIdleMs, '0-0', 'COUNT', batchSize)) as [
        Buffer,
        RawEntry[],
        Buffer[]?,
      ];
      const entries = (claimed[1] ?? []).map(decodeEntry);
      if (entries.length) {
        this.opts.logger.warn(`${group}: reclaimed ${entries.length} entries left pending by another consumer`);
        return entries;
      }
    }
    return this.read('>', blockMs);
  }

  private async read(id: string, blockMs: number | undefined): Promise<StreamEntry[]> {
    const args: (string | number)[] = ['GROUP', this.opts.group, this.consumer, 'COUNT', this.opts.batchSize];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.opts.stream, id);
    // Read as bytes: decoding with ioredis would turn invalid UTF-8 into U+FFFD without a trace.
    const res = (await (this.reader as Redis).callBuffer('XREADGROUP', ...args)) as [Buffer, RawEntry[]][] | null;
    return (res?.[0]?.[1] ?? []).map(decodeEntry);
  }
}

type RawEntry = [id: Buffer, fields: Buffer[] | null];

function decodeEntry([rawId, rawFields]: RawEntry): StreamEntry {
  const id = rawId.toString();
  if (!rawFields) return { id, fields: null, bytes: 0 };
  const fields: Record<string, string> = {};
  const invalid: string[] = [];
  let bytes = 0;
  for (let i = 0; i + 1 < rawFields.length; i += 2) {
    const name = rawFields[i].toString('utf8');
    const value = rawFields[i + 1];
    bytes += value.length;
    if (!isUtf8(value)) invalid.push(name);
    fields[name] = value.toString('utf8');
  }
  return invalid.length ? { id, fields, invalidUtf8: invalid, bytes } : { id, fields, bytes };
}
