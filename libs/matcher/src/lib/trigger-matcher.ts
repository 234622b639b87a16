import type { Redis } from 'ioredis';
import {
  PipelineIndex,
  firstSteps,
  resolveStepRuntime,
  type EventEnvelope,
  type IndexedPipeline,
  type LogSink,
} from '@mockops/pipeline-core';
import {
  MATCHER_GROUP,
  StreamConsumer,
  partitionStreamsOf,
  parseEventEntry,
  pipelinesVersionKeyOf,
  subscribePipelineChanges,
  changeOf,
  type DeadLetter,
  type ExecutionChangeSink,
  type PipelineChange,
  type StreamEntry,
} from '@mockops/event-stream';
import { BatchTrace } from '@mockops/telemetry';

/** How the matcher starts executions moving (implemented by worker-kit's ExecutionAdvancer). */
export interface MatcherDispatch {
  dispatchMany(list: { executionId: string; document: IndexedPipeline['document']; stepNames: string[]; runAttempt?: number; traceparent?: string | null }[]): Promise<void>;
  advance(executionId: string): Promise<unknown>;
}

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
      traceparent?: string | null;
      steps: { name: string; stepType: string; maxAttempts: number }[];
    }[],
  ): Promise<{ execution: { id: string; pipelineId: string; revisionId: string }; created: boolean }[]>;
}

/** Told what each batch did (metrics); optional. */
export interface MatcherObserver {
  batchHandled(stats: { read: number; matched: number; created: number }): void;
}

export interface TriggerMatcherOptions {
  /** Commands (XACK, XADD, XAUTOCLAIM). */
  redis: Redis;
  /** Creates the dedicated connections (blocking reads, pub/sub); defaults to redis.duplicate(). */
  duplicate?: () => Redis;
  store: MatcherStore;
  /** Enqueues the first steps of new executions, and re-plans existing ones (the runtime's ExecutionAdvancer). */
  advancer: MatcherDispatch;
  stream: string;
  /** Partitions of the stream (MOCKOPS_EVENTS_PARTITIONS): one consumer, in the same group, per partition. */
  partitions?: number;
  group?: string;
  consumer?: string;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  startId: string;
  reloadMs: number;
  /** Largest event accepted from the stream (MOCKOPS_EVENT_MAX_BYTES); bigger entries are dead-lettered. */
  maxEventBytes?: number;
  logger: LogSink;
  /** Told about the executions each batch creates (live views); optional, fire-and-forget. */
  changes?: ExecutionChangeSink;
  observer?: MatcherObserver;
}

/** A lookup that finds nothing: proves Postgres answers. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Consumes the event stream in a consumer group: reads a batch, matches every event against the
 * in-memory index of enabled pipelines, creates the batch's executions in one Postgres transaction,
 * enqueues their first steps, then acks. Crash anywhere before the ack and the entries are delivered
 * again (this consumer's own pending entries on restart, or XAUTOCLAIM by another replica); the unique
 * (pipeline, event workspace, event id) makes the second pass find the executions and only re-enqueue what is missing.
 */
export class TriggerMatcher {
  readonly index = new PipelineIndex();
  /** One per partition: each reads its partition in order, so a workspace's events are matched in order. */
  private readonly consumers: StreamConsumer[];
  private subscriber?: Redis;
  private unsubscribe?: () => Promise<void>;
  private reloadTimer?: NodeJS.Timeout;
  private changes: Promise<void> = Promise.resolve();
  /** Every pipeline change up to this number is in the index; `appliedAbove` holds later ones applied out of order. */
  private applied = 0;
  private readonly appliedAbove = new Set<number>();

  constructor(private readonly opts: TriggerMatcherOptions) {
    this.consumers = partitionStreamsOf(opts.stream, opts.partitions).map((stream) => new StreamConsumer({
      redis: opts.redis,
      duplicate: opts.duplicate,
      stream,
      group: opts.group ?? MATCHER_GROUP,
      consumer: opts.consumer,
      startId: opts.startId,
      batchSize: opts.batchSize,
      blockMs: opts.blockMs,
      claimIdleMs: opts.claimIdleMs,
      handleBatch: (entries) => this.tracedBatch(entries, stream),
      probe: () => opts.store.getIndexedPipeline(NIL_UUID),
      logger: opts.logger,
    }));
  }

  async start(): Promise<void> {
    const { redis, stream } = this.opts;
    for (const consumer of this.consumers) await consumer.ensureGroup();
    const dup = this.opts.duplicate ?? (() => redis.duplicate());
    this.subscriber = dup();
    // Subscribe before loading, so a change made during the load is not missed.
    this.unsubscribe = await subscribePipelineChanges(this.subscriber, stream, (c) => this.onChange(c));
    await this.reload();
    this.reloadTimer = setInterval(() => {
      this.changes = this.changes.then(() => this.reload()).catch((e) => this.opts.logger.error(`reload failed: ${e}`));
    }, this.opts.reloadMs);
    for (const consumer of this.consumers) await consumer.start();
    const partitions = this.consumers.length > 1 ? ` (${this.consumers.length} partitions)` : '';
    this.opts.logger.log(`consuming ${stream}${partitions} as ${this.opts.group ?? MATCHER_GROUP}/${this.consumers[0].consumer}; ${this.index.size} enabled pipelines`);
  }

  /** Stops reading; the batch in hand is finished (and acked) before this resolves. */
  async stop(): Promise<void> {
    clearInterval(this.reloadTimer);
    await Promise.all(this.consumers.map((c) => c.stop()));
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
        this.markApplied(change.version);
      })
      .catch((e) => this.opts.logger.error(`applying pipeline change ${change.pipelineId}: ${e}`));
  }

  private markApplied(version: number | undefined): void {
    if (!version || version <= this.applied) return;
    this.appliedAbove.add(version);
    while (this.appliedAbove.delete(this.applied + 1)) this.applied++;
  }

  private async currentVersion(): Promise<number> {
    return Number((await this.opts.redis.get(pipelinesVersionKeyOf(this.opts.stream))) ?? 0);
  }

  private async reload(): Promise<void> {
    // The counter is read first: everything it counts was committed before, so the load below sees it.
    const version = await this.currentVersion();
    const pipelines = await this.opts.store.loadEnabledPipelines();
    const fresh = new Set(pipelines.map((p) => p.id));
    for (const p of pipelines) this.index.upsert(p);
    for (const id of this.index.ids()) if (!fresh.has(id)) this.index.remove(id);
    if (version > this.applied) {
      this.applied = version;
      for (const v of this.appliedAbove) if (v <= version) this.appliedAbove.delete(v);
    }
  }

  /**
   * Read your writes: a pipeline saved before an event was published is matched against that event,
   * even when this replica has not heard of the save yet. One GET per batch compares the change
   * counter with what was applied; when behind, the announcements in flight get a moment to arrive,
   * then the index is reloaded from Postgres.
   */
  private async catchUp(): Promise<void> {
    const wanted = await this.currentVersion();
    if (this.applied >= wanted) return;
    const deadline = Date.now() + 200;
    while (this.applied < wanted && Date.now() < deadline) {
      await this.changes;
      if (this.applied < wanted) await new Promise((r) => setTimeout(r, 5));
    }
    if (this.applied < wanted) {
      this.changes = this.changes.then(() => this.reload());
      await this.changes;
    }
  }

  private async tracedBatch(entries: StreamEntry[], stream: string): Promise<{ dead: DeadLetter[] }> {
    const trace = new BatchTrace(stream, entries.length);
    try {
      const { dead, matched, created } = await trace.run(() => this.handleBatch(entries, trace));
      this.opts.observer?.batchHandled({ read: entries.length, matched, created });
      trace.end();
      return { dead };
    } catch (e) {
      trace.end(e);
      throw e;
    }
  }

  /** Matches a batch: dead letters for malformed entries, one transaction of executions, then enqueue. */
  private async handleBatch(entries: StreamEntry[], trace: BatchTrace): Promise<{ dead: DeadLetter[]; matched: number; created: number }> {
    const { store, advancer } = this.opts;
    await this.catchUp();
    const now = new Date();
    const dead: DeadLetter[] = [];
    const matches: Parameters<MatcherStore['createExecutions']>[0] = [];
    const pipelinesOfMatch: IndexedPipeline[] = [];
    let matched = 0;

    for (const entry of entries) {
      const parsed = parseEventEntry(entry, { maxBytes: this.opts.maxEventBytes, now });
      if (!parsed) continue;
      if (!parsed.ok) {
        dead.push(parsed.dead);
        continue;
      }
      const found = this.index.match(parsed.event);
      if (found.length === 0) continue;
      matched++;
      const executionTrace = trace.event(parsed.event);
      for (const pipeline of found) {
        pipelinesOfMatch.push(pipeline);
        matches.push({
          traceparent: executionTrace(pipeline),
          pipelineId: pipeline.id,
          revisionId: pipeline.revisionId,
          // An execution belongs to its pipeline's owner (global pipelines: none), never to the event.
          workspaceId: pipeline.workspaceId ?? null,
          event: parsed.event,
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
      return [{ executionId: r.execution.id, document: doc, stepNames: firstSteps(doc.definition), traceparent: matches[i].traceparent }];
    });
    await advancer.dispatchMany(fresh);
    results.forEach((r, i) => r.created && this.opts.changes?.notify(changeOf({ ...r.execution, workspaceId: matches[i].workspaceId }, 'queued')));
    await Promise.all(results.filter((r) => !r.created).map((r) => advancer.advance(r.execution.id)));
    return { dead, matched, created: fresh.length };
  }
}
