import type { Redis } from 'ioredis';
import type { LogSink } from '@mockops/pipeline-core';
import { StreamConsumer, parseEventEntry, partitionStreamsOf, type DeadLetter, type StreamEntry } from '@mockops/event-stream';
import type { PromotionPort } from './auto-promote.handler';

export const PUBLISHED_VERSIONS_GROUP = 'mockops-promotions';

export interface PublishedVersionsRecorderOptions {
  /** The events stream connection; the recorder makes its own duplicate for blocking reads. */
  redis: Redis;
  stream: string;
  /** Partitions of the stream (MOCKOPS_EVENTS_PARTITIONS): one consumer per partition. */
  partitions?: number;
  promotions: Pick<PromotionPort, 'recordPublished'>;
  /** Resolves when Postgres answers (an entry that fails while it does is a poison entry). */
  probe: () => Promise<unknown>;
  logger: LogSink;
  consumer?: string;
  blockMs?: number;
  batch?: number;
  claimIdleMs?: number;
  maxEventBytes?: number;
}

/**
 * Keeps the "which version is in which environment" table current for every published scenario,
 * whether or not a pipeline promotes it: its own consumer group on the events stream records each
 * `scenario.published` in the environment the event names (payload `environment`) or the workspace's
 * first one. Recording is idempotent on the event id, so it never conflicts with the auto_promote
 * handler recording the same event. Malformed entries are the matcher's to dead-letter; an event the
 * store refuses (no workspace, unknown environment) is logged and acknowledged; one that can never be
 * stored (a value Postgres refuses) is dead-lettered; a database outage leaves entries pending. The
 * loop is the shared StreamConsumer, so a poison entry never stops later versions of any workspace.
 */
export class PublishedVersionsRecorder {
  private readonly consumers: StreamConsumer[];

  constructor(private readonly opts: PublishedVersionsRecorderOptions) {
    this.consumers = partitionStreamsOf(opts.stream, opts.partitions).map((stream) => new StreamConsumer({
      redis: opts.redis,
      stream,
      group: PUBLISHED_VERSIONS_GROUP,
      consumer: opts.consumer ?? `recorder-${process.pid}`,
      // From the start of the stream: replaying old publishes is harmless (newest version wins).
      startId: '0',
      batchSize: opts.batch ?? 100,
      blockMs: opts.blockMs ?? 1000,
      claimIdleMs: opts.claimIdleMs ?? 30_000,
      handleBatch: (entries) => this.handleBatch(entries),
      probe: opts.probe,
      logger: opts.logger,
    }));
  }

  async start(): Promise<void> {
    for (const consumer of this.consumers) await consumer.start();
    this.opts.logger.log(`recording scenario.published from ${this.opts.stream} as ${PUBLISHED_VERSIONS_GROUP}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  private async handleBatch(entries: StreamEntry[]): Promise<{ dead: DeadLetter[] }> {
    const dead: DeadLetter[] = [];
    for (const entry of entries) {
      const reason = await this.record(entry);
      if (reason) dead.push({ entryId: entry.id, code: 'processing_failed', reason, original: entry.fields?.['event'] ?? '' });
    }
    return { dead };
  }

  /** Records one entry; returns a reason when it can never be recorded (dead letter). Throws on an outage. */
  private async record(entry: StreamEntry): Promise<string | null> {
    const parsed = parseEventEntry(entry, { maxBytes: this.opts.maxEventBytes });
    if (!parsed?.ok || parsed.event.type !== 'scenario.published') return null;
    const event = parsed.event;
    const p = event.payload;
    const workspaceId = event.workspace_id ?? (typeof p['workspace_id'] === 'string' ? p['workspace_id'] : undefined);
    const version = p['version'];
    if (!workspaceId || version === undefined || version === null || version === '') return null;
    try {
      await this.opts.promotions.recordPublished({
        workspaceId,
        entityType: 'scenario',
        entityId: String(p['scenario_id']),
        version: String(version),
        environment: typeof p['environment'] === 'string' && p['environment'] ? p['environment'] : null,
        eventId: event.id,
        occurredAt: event.occurred_at,
      });
      return null;
    } catch (e) {
      // The store's errors: a value Postgres refuses for good carries its SQLSTATE (StoreDataError);
      // a rule refusing the input (no such environment) is a plain StoreError; anything else is an outage.
      const err = e as { name?: unknown; sqlState?: unknown; message?: string };
      if (err?.name === 'StoreError' && typeof err.sqlState === 'string') return `the store refuses this event for good: ${err.message}`;
      if (err?.name === 'StoreError') {
        this.opts.logger.warn(`scenario.published ${event.id} not recorded: ${err.message}`);
        return null;
      }
      throw e;
    }
  }
}
