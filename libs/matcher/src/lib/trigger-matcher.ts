import type { Redis } from 'ioredis';
import {
  PipelineIndex,
  compareOrder,
  concurrencyGroupKey,
  debounceConfig,
  debounceKey,
  eventOrderFromStreamId,
  resolveStepRuntime,
  type DebounceConfig,
  type EventEnvelope,
  type ExecutionStatus,
  type IndexedPipeline,
  type LogSink,
} from '@mockops/pipeline-core';
import {
  MATCHER_GROUP,
  StreamConsumer,
  entryFields,
  pairsOf,
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
  dispatchMany(
    list: { executionId: string; document: IndexedPipeline['document']; stepNames: string[]; runAttempt?: number; traceparent?: string | null; createdAt?: string | null }[],
  ): Promise<void>;
  advance(executionId: string): Promise<unknown>;
  /** The steps to enqueue for a new execution, or null when it must be advanced (its plan skips steps). */
  startingSteps(document: IndexedPipeline['document'], execution: { event: EventEnvelope; workspaceId: string | null; status: ExecutionStatus }): string[] | null;
  /** A new execution of a pipeline with `concurrency:` joins its group, which starts or queues it. */
  admit(executionId: string, document: IndexedPipeline['document'], group: { key: string; name: string; order: number[] }): Promise<unknown>;
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
  ): Promise<{ execution: { id: string; pipelineId: string; revisionId: string; createdAt?: string }; created: boolean }[]>;
  /** How many of these events' executions exist and joined their concurrency group (or ended). */
  countJoinedExecutions(events: { pipelineId: string; eventWorkspaceId: string; eventId: string }[]): Promise<number>;
  /** Fails a new execution that cannot start (its concurrency group could not be rendered). */
  failUnstartedExecution(executionId: string, error: string): Promise<boolean>;
  /** Debounce bursts (docs/language.md): an event joins its key's burst; due bursts are claimed, started, marked fired. */
  addToBurst(arrival: { key: string; pipelineId: string; triggerIndex: number; event: EventEnvelope; order: number[]; at: number; config: DebounceConfig }): Promise<unknown>;
  nextBurstDue(): Promise<number | null>;
  claimDueBursts(leaseMs: number, watermark: number, limit?: number): Promise<{ id: string; pipelineId: string; event: EventEnvelope; order: number[]; count: number }[]>;
  markBurstFired(id: string, executionId: string | null): Promise<boolean>;
  pruneFiredBursts(olderThanMs: number): Promise<number>;
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
  /** How often due debounce bursts are looked for (ms); default 250. */
  debouncePollMs?: number;
}

type Match = Parameters<MatcherStore['createExecutions']>[0][number];

/** What a matched event starts: the pipeline, the execution row to create, and the event's stream position. */
interface Start {
  pipeline: IndexedPipeline;
  match: Match;
  order: number[];
  /** Its stream entry (absent for a debounce burst's execution). */
  entryId?: string;
  /** The stream (partition) the entry is on. */
  stream?: string;
}

/** Longest wait for an older event of the same concurrency group that another matcher replica is admitting. */
const OLDER_IN_FLIGHT_WAIT_MS = 2000;

/** A claimed debounce burst is someone else's again after this long (its matcher died before marking it fired). */
const BURST_CLAIM_MS = 30_000;
/** How often bursts are looked for when no indexed pipeline debounces (ms). */
const IDLE_BURST_CHECK_MS = 10_000;
/** Redis' and this host's clocks may differ by this much (ms) before a due burst waits a poll longer. */
const CLOCK_SLACK_MS = 1_000;
/** Fired bursts are kept this long, so a redelivered event of theirs is recognised and not debounced again. */
const FIRED_BURST_RETENTION_MS = 24 * 3600 * 1000;

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
  /** The consumer group read on every partition. */
  private readonly group: string;
  /** The stream's partitions (one without MOCKOPS_EVENTS_PARTITIONS). */
  private readonly streams: string[];
  private subscriber?: Redis;
  private unsubscribe?: () => Promise<void>;
  private reloadTimer?: NodeJS.Timeout;
  private changes: Promise<void> = Promise.resolve();
  /** Every pipeline change up to this number is in the index; `appliedAbove` holds later ones applied out of order. */
  private applied = 0;
  private readonly appliedAbove = new Set<number>();
  private debounceTimer?: NodeJS.Timeout;
  private debouncing?: Promise<void>;
  private lastIdleBurstCheck = 0;
  /** Bumped whenever the index changes. */
  private indexVersion = 0;
  /** Whether an indexed pipeline has a debounced trigger, for the index version it was computed on. */
  private debounceMemo = { version: -1, value: false };
  private lastPrune = 0;

  constructor(private readonly opts: TriggerMatcherOptions) {
    this.group = opts.group ?? MATCHER_GROUP;
    this.streams = partitionStreamsOf(opts.stream, opts.partitions);
    this.consumers = this.streams.map((stream) => new StreamConsumer({
      redis: opts.redis,
      duplicate: opts.duplicate,
      stream,
      group: this.group,
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
    this.debounceTimer = setInterval(() => void this.fireDueBursts(), this.opts.debouncePollMs ?? 250);
    const partitions = this.consumers.length > 1 ? ` (${this.consumers.length} partitions)` : '';
    this.opts.logger.log(`consuming ${stream}${partitions} as ${this.group}/${this.consumers[0].consumer}; ${this.index.size} enabled pipelines`);
  }

  /** Stops reading; the batch in hand is finished (and acked) before this resolves. */
  async stop(): Promise<void> {
    clearInterval(this.reloadTimer);
    clearInterval(this.debounceTimer);
    await this.debouncing;
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
        this.indexVersion++;
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
    this.indexVersion++;
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
      const { dead, matched, created } = await trace.run(() => this.handleBatch(entries, trace, stream));
      this.opts.observer?.batchHandled({ read: entries.length, matched, created });
      trace.end();
      return { dead };
    } catch (e) {
      trace.end(e);
      throw e;
    }
  }

  /** Matches a batch: dead letters for malformed entries, one transaction of executions, then enqueue; debounced events join their bursts. */
  private async handleBatch(entries: StreamEntry[], trace: BatchTrace, stream: string): Promise<{ dead: DeadLetter[]; matched: number; created: number }> {
    await this.catchUp();
    const now = new Date();
    const dead: DeadLetter[] = [];
    const starts: Start[] = [];
    const debounced: Parameters<MatcherStore['addToBurst']>[0][] = [];
    let matched = 0;

    for (const entry of entries) {
      const parsed = parseEventEntry(entry, { maxBytes: this.opts.maxEventBytes, now });
      if (!parsed) continue;
      if (!parsed.ok) {
        dead.push(parsed.dead);
        continue;
      }
      const found = this.index.matchTriggers(parsed.event);
      if (found.length === 0) continue;
      matched++;
      const order = eventOrderFromStreamId(entry.id) ?? [Date.parse(parsed.event.occurred_at) || now.getTime(), 0];
      const executionTrace = trace.event(parsed.event);
      for (const { pipeline, triggerIndex } of found) {
        const debounce = pipeline.document.definition.triggers[triggerIndex]?.debounce;
        if (debounce) {
          const key = debounceKey(debounce, triggerIndex, { event: parsed.event, ownerWorkspaceId: pipeline.workspaceId, pipeline });
          if (key.ok) {
            debounced.push({ key: key.key, pipelineId: pipeline.id, triggerIndex, event: parsed.event, order, at: order[0], config: debounceConfig(debounce) });
            continue;
          }
          // No event is lost: one whose key cannot be rendered starts its execution at once.
          this.opts.logger.warn(`pipeline ${pipeline.id}: event ${parsed.event.id} is not debounced: ${key.error}`);
        }
        starts.push({ pipeline, order, entryId: entry.id, stream, match: this.matchOf(pipeline, parsed.event, executionTrace(pipeline)) });
      }
    }

    const created = (await this.startExecutions(starts, new Set(entries.map((e) => e.id)))).filter((r) => r.created).length;
    // Bursts are recorded before the batch is acked: a crash replays the events, and a replayed
    // event (not newer than its burst's last) changes nothing.
    for (const arrival of debounced) await this.opts.store.addToBurst(arrival);
    return { dead, matched, created };
  }

  private matchOf(pipeline: IndexedPipeline, event: EventEnvelope, traceparent: string | null | undefined): Match {
    return {
      traceparent,
      pipelineId: pipeline.id,
      revisionId: pipeline.revisionId,
      // An execution belongs to its pipeline's owner (global pipelines: none), never to the event.
      workspaceId: pipeline.workspaceId ?? null,
      event,
      steps: pipeline.document.definition.steps.map((s) => ({
        name: s.name,
        stepType: s.step_type,
        maxAttempts: resolveStepRuntime(s).maxAttempts,
      })),
    };
  }

  /**
   * Creates the executions (one statement), then starts them: new ones get their first steps
   * enqueued together, or join their concurrency group; existing ones (a redelivered event) are
   * re-planned from Postgres so only what is still pending is enqueued again.
   */
  private async startExecutions(starts: Start[], batch: ReadonlySet<string> = new Set()): Promise<{ execution: { id: string }; created: boolean }[]> {
    const { store, advancer } = this.opts;
    if (starts.length === 0) return [];
    // Postgres before Redis: the executions exist before any job that names them.
    const results = await store.createExecutions(starts.map((s) => s.match));
    const fresh: Parameters<MatcherDispatch['dispatchMany']>[0] = [];
    const later: (() => Promise<unknown>)[] = [];
    // Read once per batch, and only when a new execution joins a concurrency group.
    let inFlight: Promise<{ id: string; event: EventEnvelope }[]> | undefined;
    results.forEach((r, i) => {
      const { pipeline, match, order } = starts[i];
      const doc = pipeline.document;
      if (r.created) this.opts.changes?.notify(changeOf({ ...r.execution, workspaceId: match.workspaceId }, 'queued'));
      const concurrency = doc.definition.concurrency;
      if (concurrency) {
        const group = concurrencyGroupKey(concurrency, { event: match.event, ownerWorkspaceId: pipeline.workspaceId, pipeline });
        if (!group.ok) {
          if (r.created) later.push(() => store.failUnstartedExecution(r.execution.id, group.error));
          else later.push(() => advancer.advance(r.execution.id));
          return;
        }
        // In stream order, one at a time: a group's queue follows the events.
        later.push(async () => {
          await this.awaitOlderInFlight(starts[i], group.key, batch, (inFlight ??= this.inFlightElsewhere(batch, starts[i].stream ?? this.opts.stream)));
          await advancer.admit(r.execution.id, doc, { key: group.key, name: group.group, order });
        });
      } else if (r.created) {
        // A new execution whose plan skips steps from the start (an `if:` false on the event) is
        // advanced instead, which records the skips with their reasons.
        const stepNames = advancer.startingSteps(doc, { event: match.event, workspaceId: match.workspaceId, status: 'queued' });
        if (stepNames === null) later.push(() => advancer.advance(r.execution.id));
        else fresh.push({ executionId: r.execution.id, document: doc, stepNames, traceparent: match.traceparent, createdAt: r.execution.createdAt });
      } else {
        later.push(() => advancer.advance(r.execution.id));
      }
    });
    await advancer.dispatchMany(fresh);
    for (const run of later) await run();
    return results;
  }

  /**
   * Several replicas read the stream at once: an older event of the same group may be in another
   * replica's hands (delivered, not acked) while this one admits a newer one to a free group. Such
   * events (found with XPENDING, read back and matched) are waited for until their executions joined
   * the group, which then orders them — at most OLDER_IN_FLIGHT_WAIT_MS (a replica that died holds
   * its entries until they are claimed again; the newer execution does not wait for that).
   */
  private async awaitOlderInFlight(start: Start, groupKey: string, batch: ReadonlySet<string>, inFlight: Promise<{ id: string; event: EventEnvelope }[]>): Promise<void> {
    const mine = start.entryId ? eventOrderFromStreamId(start.entryId) : null;
    if (!mine) return;
    const older: { pipelineId: string; eventWorkspaceId: string; eventId: string }[] = [];
    for (const { id, event } of await inFlight) {
      const order = eventOrderFromStreamId(id);
      if (batch.has(id) || !order || compareOrder(order, mine) >= 0) continue;
      for (const { pipeline, triggerIndex } of this.index.matchTriggers(event)) {
        const concurrency = pipeline.document.definition.concurrency;
        if (!concurrency || pipeline.document.definition.triggers[triggerIndex]?.debounce) continue;
        const key = concurrencyGroupKey(concurrency, { event, ownerWorkspaceId: pipeline.workspaceId, pipeline });
        if (key.ok && key.key === groupKey) older.push({ pipelineId: pipeline.id, eventWorkspaceId: event.workspace_id ?? '', eventId: event.id });
      }
    }
    if (older.length === 0) return;
    const deadline = Date.now() + OLDER_IN_FLIGHT_WAIT_MS;
    while ((await this.opts.store.countJoinedExecutions(older)) < older.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * The events other replicas hold (delivered, not acked, not idle longer than the wait: a replica
   * that died or stalls is not waited for), read back from the stream.
   */
  private async inFlightElsewhere(batch: ReadonlySet<string>, stream: string): Promise<{ id: string; event: EventEnvelope }[]> {
    const { redis } = this.opts;
    const pending = (await redis.xpending(stream, this.group, '-', '+', 200)) as [string, string, number, number][];
    const out: { id: string; event: EventEnvelope }[] = [];
    for (const [id, , idleMs] of pending) {
      if (batch.has(id) || idleMs > OLDER_IN_FLIGHT_WAIT_MS) continue;
      const [found] = await redis.xrange(stream, id, id);
      if (!found) continue;
      const fields = entryFields(found[1]);
      const parsed = parseEventEntry({ id, fields, bytes: Object.values(fields).reduce((n, v) => n + Buffer.byteLength(v), 0) }, { maxBytes: this.opts.maxEventBytes });
      if (parsed?.ok) out.push({ id, event: parsed.event });
    }
    return out;
  }

  /**
   * Starts the debounce bursts whose quiet period is over (any replica: the claim is a
   * compare-and-set), each as one execution with the burst's last event, then marks them fired. A
   * burst of a pipeline disabled or deleted meanwhile is dropped.
   */
  private fireDueBursts(): Promise<void> {
    this.debouncing ??= this.fireDueBurstsOnce()
      .catch((e) => this.opts.logger.error(`firing debounce bursts: ${(e as Error).message}`))
      .finally(() => (this.debouncing = undefined));
    return this.debouncing;
  }

  /**
   * The stream time up to which every entry has been handled by a matcher: the oldest entry of the
   * group still pending (read, not acked) or not delivered yet on any partition, else the Redis
   * clock. A burst due
   * before it cannot be extended any more by an event on its way — after a matcher restart the
   * entries left on the stream are handled before the bursts they belong to fire.
   */
  private async streamWatermark(): Promise<number> {
    const { redis } = this.opts;
    const group = this.group;
    const [seconds, micros] = await redis.time();
    let mark = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    for (const stream of this.streams) {
      const [count, oldest] = (await redis.xpending(stream, group)) as [number, string | null];
      if (Number(count) > 0 && oldest) mark = Math.min(mark, eventOrderFromStreamId(oldest)?.[0] ?? mark);
      const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
      const lastDelivered = groups.map(pairsOf).find((g) => g['name'] === group)?.['last-delivered-id'];
      if (typeof lastDelivered === 'string') {
        const [next] = await redis.xrange(stream, `(${lastDelivered}`, '+', 'COUNT', 1);
        if (next) mark = Math.min(mark, eventOrderFromStreamId(next[0])?.[0] ?? mark);
      }
    }
    return mark;
  }

  private hasDebounce(): boolean {
    if (this.debounceMemo.version !== this.indexVersion) {
      const value = this.index.ids().some((id) => this.index.get(id)?.document.definition.triggers.some((t) => t.debounce));
      this.debounceMemo = { version: this.indexVersion, value };
    }
    return this.debounceMemo.value;
  }

  private async fireDueBurstsOnce(): Promise<void> {
    const { store } = this.opts;
    if (Date.now() - this.lastPrune > 600_000) {
      this.lastPrune = Date.now();
      await store.pruneFiredBursts(FIRED_BURST_RETENTION_MS);
    }
    // Without a debounced trigger in the index only bursts of pipelines disabled since are left (to
    // drop): looked for now and then. Otherwise a cheap look at the next due time comes first; the
    // stream's watermark (four Redis commands) is read only when a burst may be due.
    if (!this.hasDebounce() && Date.now() - this.lastIdleBurstCheck < IDLE_BURST_CHECK_MS) return;
    this.lastIdleBurstCheck = Date.now();
    const next = await store.nextBurstDue();
    if (next === null || next > Date.now() + CLOCK_SLACK_MS) return;
    const due = await store.claimDueBursts(BURST_CLAIM_MS, await this.streamWatermark());
    if (due.length === 0) return;
    await this.catchUp();
    const starts: Start[] = [];
    const burstOf: string[] = [];
    for (const burst of due) {
      const pipeline = this.index.get(burst.pipelineId);
      if (!pipeline) {
        this.opts.logger.warn(`debounce burst of pipeline ${burst.pipelineId} dropped (${burst.count} events): the pipeline is disabled or deleted`);
        await store.markBurstFired(burst.id, null);
        continue;
      }
      starts.push({ pipeline, order: burst.order, match: this.matchOf(pipeline, burst.event, undefined) });
      burstOf.push(burst.id);
    }
    if (starts.length === 0) return;
    // Created (or found, after a crash: unique per pipeline and event), started as a matched event is.
    const results = await this.startExecutions(starts);
    for (let i = 0; i < burstOf.length; i++) await store.markBurstFired(burstOf[i], results[i].execution.id);
  }
}

