import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import {
  PipelineIndex,
  firstSteps,
  resolveStepRuntime,
  validateEvent,
  type EventEnvelope,
  type IndexedPipeline,
} from '@mockops/pipeline-core';
import {
  EVENT_FIELD,
  MATCHER_GROUP,
  deadLetterStreamOf,
  entryFields,
  subscribePipelineChanges,
  type ExecutionChangeSink,
  type PipelineChange,
} from '@mockops/event-stream';
import { changeOf, type ExecutionAdvancer } from '@mockops/worker-kit';

/** The part of the execution store the matcher uses. */
export interface MatcherStore {
  loadEnabledPipelines(): Promise<IndexedPipeline[]>;
  getIndexedPipeline(id: string): Promise<IndexedPipeline | null>;
  createExecutions(
    matches: {
      pipelineId: string;
      revisionId: string;
      workspaceId: string | null;
      event: EventEnvelope;
      steps: { name: string; stepType: string; maxAttempts: number }[];
    }[],
  ): Promise<{ execution: { id: string; pipelineId: string; revisionId: string }; created: boolean }[]>;
}

export interface MatcherLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface TriggerMatcherOptions {
  /** Commands (XACK, XADD, XAUTOCLAIM). */
  redis: Redis;
  /** Creates the dedicated connections (blocking reads, pub/sub); defaults to redis.duplicate(). */
  duplicate?: () => Redis;
  store: MatcherStore;
  advancer: Pick<ExecutionAdvancer, 'advance' | 'dispatchMany'>;
  stream: string;
  group?: string;
  consumer?: string;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  startId: string;
  reloadMs: number;
  logger: MatcherLogger;
  /** Told about the executions each batch creates (live views); optional, fire-and-forget. */
  changes?: ExecutionChangeSink;
}

type StreamEntry = [id: string, fields: string[] | null];

/** Consecutive batch failures after which entries are tried one by one to find a poison entry. */
const ISOLATE_AFTER_FAILURES = 3;
/** A lookup that finds nothing: proves Postgres answers. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface BatchResult {
  read: number;
  deadLettered: number;
  executionsCreated: number;
  executionsExisting: number;
}

/**
 * Consumes the event stream in a consumer group: reads a batch, matches every event against the
 * in-memory index of enabled pipelines, creates the batch's executions in one Postgres transaction,
 * enqueues their first steps, then acks. Crash anywhere before the ack and the entries are delivered
 * again (this consumer's own pending entries on restart, or XAUTOCLAIM by another replica); the unique
 * (pipeline, event id) makes the second pass find the executions and only re-enqueue what is missing.
 */
export class TriggerMatcher {
  readonly index = new PipelineIndex();
  private readonly group: string;
  private readonly consumer: string;
  private readonly deadStream: string;
  private reader?: Redis;
  private subscriber?: Redis;
  private unsubscribe?: () => Promise<void>;
  private running = false;
  private loop?: Promise<void>;
  private reloadTimer?: NodeJS.Timeout;
  private changes: Promise<void> = Promise.resolve();
  private lastClaimAt = 0;
  private replayOwnPending = true;

  constructor(private readonly opts: TriggerMatcherOptions) {
    this.group = opts.group ?? MATCHER_GROUP;
    this.consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
    this.deadStream = deadLetterStreamOf(opts.stream);
  }

  async start(): Promise<void> {
    const { redis, stream, startId } = this.opts;
    try {
      await redis.xgroup('CREATE', stream, this.group, startId, 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
    const dup = this.opts.duplicate ?? (() => redis.duplicate());
    this.subscriber = dup();
    // Subscribe before loading, so a change made during the load is not missed.
    this.unsubscribe = await subscribePipelineChanges(this.subscriber, stream, (c) => this.onChange(c));
    await this.reload();
    this.reloadTimer = setInterval(() => {
      this.changes = this.changes.then(() => this.reload()).catch((e) => this.opts.logger.error(`reload failed: ${e}`));
    }, this.opts.reloadMs);
    this.reader = dup();
    this.running = true;
    this.loop = this.run();
    this.opts.logger.log(`consuming ${stream} as ${this.group}/${this.consumer}; ${this.index.size} enabled pipelines`);
  }

  /** Stops reading; the batch in hand is finished (and acked) before this resolves. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.reloadTimer);
    // A blocked XREADGROUP returns after blockMs at the latest; disconnecting ends it at once.
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
    await this.changes.catch(() => undefined);
    await this.unsubscribe?.().catch(() => undefined);
    this.subscriber?.disconnect();
  }

  /** Waits until pipeline changes received so far are applied to the index (tests, admin). */
  async settled(): Promise<void> {
    await this.changes;
  }

  private onChange(change: PipelineChange): void {
    this.changes = this.changes
      .then(async () => {
        const pipeline = await this.opts.store.getIndexedPipeline(change.pipelineId);
        if (pipeline) this.index.upsert(pipeline);
        else this.index.remove(change.pipelineId);
      })
      .catch((e) => this.opts.logger.error(`applying pipeline change ${change.pipelineId}: ${e}`));
  }

  private async reload(): Promise<void> {
    const pipelines = await this.opts.store.loadEnabledPipelines();
    const fresh = new Set(pipelines.map((p) => p.id));
    for (const p of pipelines) this.index.upsert(p);
    for (const id of this.index.ids()) if (!fresh.has(id)) this.index.remove(id);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const entries = await this.nextBatch();
        if (entries.length) {
          if (failures >= ISOLATE_AFTER_FAILURES) await this.processOneByOne(entries);
          else await this.processEntries(entries);
        }
        failures = 0;
      } catch (e) {
        if (!this.running) break;
        failures++;
        // Unacked entries stay pending; replay them once the cause (Postgres down...) is gone.
        this.replayOwnPending = true;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        this.opts.logger.error(`batch failed (retrying in ${delay} ms): ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * After a batch failed several times in a row: each entry on its own. One that still fails while
   * Postgres answers is a poison entry and is dead-lettered with the error, so it cannot block the
   * stream; when Postgres does not answer this throws (an outage: everything stays pending and is
   * retried with backoff).
   */
  private async processOneByOne(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.processEntries([entry]);
      } catch (e) {
        await this.opts.store.getIndexedPipeline(NIL_UUID);
        const fields = entry[1] ? entryFields(entry[1]) : {};
        const reason = `processing failed repeatedly: ${(e as Error).message}`;
        await this.opts.redis
          .multi()
          .xadd(this.deadStream, 'MAXLEN', '~', 100_000, '*', 'reason', reason, 'original', fields[EVENT_FIELD] ?? JSON.stringify(fields), 'entry_id', entry[0], 'stream', this.opts.stream, 'at', new Date().toISOString())
          .xack(this.opts.stream, this.group, entry[0])
          .exec();
        this.opts.logger.warn(`dead-lettered ${entry[0]}: ${reason}`);
      }
    }
  }

  private async nextBatch(): Promise<StreamEntry[]> {
    const { stream, batchSize, blockMs, claimIdleMs } = this.opts;
    if (this.replayOwnPending) {
      const own = await this.read('0', undefined);
      if (own.length) return own;
      this.replayOwnPending = false;
    }
    if (Date.now() - this.lastClaimAt >= claimIdleMs / 2) {
      this.lastClaimAt = Date.now();
      const claimed = (await this.opts.redis.xautoclaim(stream, this.group, this.consumer, claimIdleMs, '0-0', 'COUNT', batchSize)) as [
        string,
        StreamEntry[],
        string[]?,
      ];
      if (claimed[1]?.length) {
        this.opts.logger.warn(`reclaimed ${claimed[1].length} entries left pending by another consumer`);
        return claimed[1];
      }
    }
    return this.read('>', blockMs);
  }

  private async read(id: string, blockMs: number | undefined): Promise<StreamEntry[]> {
    const { stream, batchSize } = this.opts;
    const args: (string | number)[] = ['GROUP', this.group, this.consumer, 'COUNT', batchSize];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', stream, id);
    const res = (await (this.reader as Redis).call('XREADGROUP', ...args)) as [string, StreamEntry[]][] | null;
    return res?.[0]?.[1] ?? [];
  }

  /** Handles one batch: dead-letters malformed entries, creates executions, enqueues, acks. */
  async processEntries(entries: StreamEntry[]): Promise<BatchResult> {
    const { redis, stream, store, advancer } = this.opts;
    const now = new Date();
    const dead: { entryId: string; reason: string; original: string }[] = [];
    const matches: Parameters<MatcherStore['createExecutions']>[0] = [];
    const pipelinesOfMatch: IndexedPipeline[] = [];

    for (const [entryId, flat] of entries) {
      if (!flat) continue; // trimmed away before we got to it: nothing to do but ack
      const fields = entryFields(flat);
      const raw = fields[EVENT_FIELD];
      if (raw === undefined) {
        dead.push({ entryId, reason: `entry has no "${EVENT_FIELD}" field`, original: JSON.stringify(fields) });
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (e) {
        dead.push({ entryId, reason: `invalid JSON: ${(e as Error).message}`, original: raw });
        continue;
      }
      const checked = validateEvent(parsed, { fallbackId: entryId, now });
      if (!checked.ok) {
        dead.push({ entryId, reason: `invalid event: ${checked.errors.join('; ')}`, original: raw });
        continue;
      }
      for (const pipeline of this.index.match(checked.event)) {
        pipelinesOfMatch.push(pipeline);
        matches.push({
          pipelineId: pipeline.id,
          revisionId: pipeline.revisionId,
          workspaceId: pipeline.workspaceId ?? checked.event.workspace_id ?? null,
          event: checked.event,
          steps: pipeline.document.definition.steps.map((s) => ({
            name: s.name,
            stepType: s.step_type,
            maxAttempts: resolveStepRuntime(s).maxAttempts,
          })),
        });
      }
    }

    // Postgres before Redis: the executions exist before any job that names them.
    const results = matches.length ? await store.createExecutions(matches) : [];
    // New executions: their first steps, all enqueued together. Existing ones (a redelivered event):
    // re-planned from Postgres so only what is still pending is enqueued again.
    const fresh = results.flatMap((r, i) => {
      if (!r.created) return [];
      const doc = pipelinesOfMatch[i].document;
      return [{ executionId: r.execution.id, document: doc, stepNames: firstSteps(doc.definition) }];
    });
    await advancer.dispatchMany(fresh);
    results.forEach((r, i) => r.created && this.opts.changes?.notify(changeOf({ ...r.execution, workspaceId: matches[i].workspaceId }, 'queued')));
    await Promise.all(results.filter((r) => !r.created).map((r) => advancer.advance(r.execution.id)));
    const created = fresh.length;

    const tx = redis.multi();
    for (const d of dead) {
      tx.xadd(this.deadStream, 'MAXLEN', '~', 100_000, '*', 'reason', d.reason, 'original', d.original, 'entry_id', d.entryId, 'stream', stream, 'at', now.toISOString());
    }
    tx.xack(stream, this.group, ...entries.map(([id]) => id));
    await tx.exec();
    for (const d of dead) this.opts.logger.warn(`dead-lettered ${d.entryId}: ${d.reason}`);
    return { read: entries.length, deadLettered: dead.length, executionsCreated: created, executionsExisting: results.length - created };
  }
}
