import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { EVENT_FIELD, entryFields } from '@mockops/event-stream';
import { StoreError, type PromotionStore } from '@mockops/execution-store';
import { validateEvent, type EventEnvelope } from '@mockops/pipeline-core';

export const PUBLISHED_VERSIONS_GROUP = 'mockops-promotions';

type StreamEntry = [id: string, fields: string[] | null];

export interface PublishedVersionsRecorderOptions {
  /** The events stream connection; the recorder makes its own duplicate for blocking reads. */
  redis: Redis;
  stream: string;
  promotions: Pick<PromotionStore, 'recordPublished'>;
  consumer?: string;
  blockMs?: number;
  batch?: number;
}

/**
 * Keeps the "which version is in which environment" table current for every published scenario,
 * whether or not a pipeline promotes it: its own consumer group on the events stream records each
 * `scenario.published` in the environment the event names (payload `environment`) or the workspace's
 * first one. Recording is idempotent on the event id, so it never conflicts with the auto_promote
 * handler recording the same event. Events the store refuses (no workspace, unknown environment) are
 * logged and acknowledged; a database outage leaves the entry pending to be read again.
 */
export class PublishedVersionsRecorder {
  private readonly logger = new Logger(PublishedVersionsRecorder.name);
  private reader?: Redis;
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly opts: PublishedVersionsRecorderOptions) {}

  async start(): Promise<void> {
    try {
      // From the start of the stream: replaying old publishes is harmless (newest version wins).
      await this.opts.redis.xgroup('CREATE', this.opts.stream, PUBLISHED_VERSIONS_GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test((e as Error).message)) throw e;
    }
    const reader = this.opts.redis.duplicate();
    this.reader = reader;
    this.running = true;
    this.loop = this.run(reader);
    this.logger.log(`recording scenario.published from ${this.opts.stream} as ${PUBLISHED_VERSIONS_GROUP}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    // A blocked XREADGROUP returns after blockMs at the latest; disconnecting ends it at once.
    this.reader?.disconnect();
    await this.loop;
  }

  /** Handles one entry; true when it is done with (acknowledge it). Exposed for tests. */
  async handle(id: string, fields: string[] | null): Promise<boolean> {
    // A pending entry trimmed from the stream meanwhile comes back without fields.
    if (!fields) return true;
    const raw = entryFields(fields)[EVENT_FIELD];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw ?? '');
    } catch {
      return true; // the matcher dead-letters malformed entries; nothing to record here
    }
    const checked = validateEvent(parsed, { fallbackId: id });
    if (!checked.ok || checked.event.type !== 'scenario.published') return true;
    const event: EventEnvelope = checked.event;
    const p = event.payload;
    const workspaceId = event.workspace_id ?? (typeof p['workspace_id'] === 'string' ? p['workspace_id'] : undefined);
    const version = p['version'];
    if (!workspaceId || version === undefined || version === null || version === '') return true;
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
      return true;
    } catch (e) {
      if (e instanceof StoreError) {
        this.logger.warn(`scenario.published ${event.id} not recorded: ${e.message}`);
        return true;
      }
      this.logger.error(`scenario.published ${event.id}: ${(e as Error).message}; will retry`);
      return false;
    }
  }

  private async run(reader: Redis): Promise<void> {
    const consumer = this.opts.consumer ?? `recorder-${process.pid}`;
    // First what this consumer left unacknowledged (a crash, a database outage), then new entries.
    let cursor = '0';
    while (this.running) {
      try {
        const res = (await reader.call(
          'XREADGROUP', 'GROUP', PUBLISHED_VERSIONS_GROUP, consumer, 'COUNT', String(this.opts.batch ?? 100),
          'BLOCK', String(this.opts.blockMs ?? 1000), 'STREAMS', this.opts.stream, cursor,
        )) as [string, StreamEntry[]][] | null;
        const entries = res?.[0]?.[1] ?? [];
        if (cursor === '0' && entries.length === 0) cursor = '>';
        const done: string[] = [];
        for (const [id, fields] of entries) if (await this.handle(id, fields)) done.push(id);
        if (done.length) await this.opts.redis.xack(this.opts.stream, PUBLISHED_VERSIONS_GROUP, ...done);
        if (done.length < entries.length) {
          // Read the unacknowledged ones again after a pause, before anything newer.
          cursor = '0';
          await sleep(1000);
        }
      } catch (e) {
        if (!this.running) return;
        this.logger.error(`reading ${this.opts.stream}: ${(e as Error).message}`);
        await sleep(1000);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
