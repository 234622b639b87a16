import type { LogSink, PipelineDocument } from '@mockops/pipeline-core';

/** A group decision (the store's): what happened to the execution admitted, who starts, who was cancelled. */
export interface GroupOutcome {
  run: 'start' | 'wait' | 'cancel' | 'none';
  started: string[];
  cancelled: { executionId: string; reason: string; pipelineId?: string; workspaceId?: string | null }[];
}

/** The group's key, rendered name and event order, given when an execution first joins (the matcher). */
export interface GroupJoin {
  key: string;
  name: string;
  order: number[];
}

/** The part of the store concurrency groups use (@mockops/execution-store's ConcurrencyStore). */
export interface ConcurrencyGroupStore {
  admitToConcurrencyGroup(executionId: string, req: { group?: GroupJoin; cancelInProgress: boolean; maxQueued?: number }): Promise<GroupOutcome>;
  releaseConcurrencyGroup(executionId: string): Promise<string[]>;
  releaseConcurrencyKey(key: string): Promise<string[]>;
  findConcurrencyWork(graceMs: number, limit?: number): Promise<{ idleKeys: string[]; stalled: string[] }>;
}

/** What the groups need of the advancer: moving a started execution forward. */
export interface Advance {
  advance(executionId: string): Promise<unknown>;
}

export interface ConcurrencyGroupsOptions {
  store: ConcurrencyGroupStore;
  logger: LogSink;
  /** How often the sweeper looks for groups a crash left without a holder (ms). */
  sweepIntervalMs?: number;
  /** How long a started-but-never-dispatched execution (or a re-run never admitted) may sit before the sweeper moves it (ms). */
  stalledAfterMs?: number;
  /** Told of each execution a group decision cancelled (live views, metrics); must not throw. */
  onCancelled?: (cancelled: GroupOutcome['cancelled'][number]) => void;
}

/**
 * The runtime side of `concurrency:` (docs/language.md): admits executions to their group (the
 * decision and its state are the store's, in Postgres), starts the ones a decision or a release lets
 * start by advancing them, and sweeps for what a crash left behind. The ExecutionAdvancer calls it
 * when an execution must join its group (a re-run) and when one ends.
 */
export class ConcurrencyGroups {
  private advancer?: Advance;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private running = 0;

  constructor(private readonly opts: ConcurrencyGroupsOptions) {}

  attach(advancer: Advance): void {
    this.advancer = advancer;
  }

  /** Joins the execution to its group (first time: with `group`) and applies the decision. */
  async admit(executionId: string, document: PipelineDocument, group?: GroupJoin): Promise<GroupOutcome> {
    const cancelInProgress = document.definition.concurrency?.cancel_in_progress === true;
    const outcome = await this.opts.store.admitToConcurrencyGroup(executionId, { group, cancelInProgress });
    for (const c of outcome.cancelled) {
      this.opts.logger.log(`execution ${c.executionId} cancelled: ${c.reason}`);
      this.opts.onCancelled?.(c);
    }
    await this.start(outcome.started);
    return outcome;
  }

  /** An execution of a group ended: the next one waiting starts (idempotent). */
  async released(executionId: string): Promise<void> {
    await this.start(await this.opts.store.releaseConcurrencyGroup(executionId));
  }

  /** Repairs, every `sweepIntervalMs`: starts the next of groups with no holder, moves stalled executions. */
  startSweeping(): void {
    if (this.running++ > 0) return;
    this.timer = setInterval(() => void this.sweep().catch((e) => this.opts.logger.error(`concurrency sweep: ${(e as Error).message}`)), this.opts.sweepIntervalMs ?? 2000);
    this.timer.unref();
  }

  async stopSweeping(): Promise<void> {
    if (--this.running > 0) return;
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { idleKeys, stalled } = await this.opts.store.findConcurrencyWork(this.opts.stalledAfterMs ?? 30_000);
    for (const key of idleKeys) {
      const started = await this.opts.store.releaseConcurrencyKey(key);
      if (started.length) this.opts.logger.warn(`concurrency group had no running execution: starting ${started.join(', ')}`);
      await this.start(started);
    }
    for (const id of stalled) await this.advancer?.advance(id);
  }

  private async start(ids: string[]): Promise<void> {
    if (!this.advancer) throw new Error('ConcurrencyGroups used before attach(advancer)');
    for (const id of ids) await this.advancer.advance(id);
  }
}
