import type { LogSink } from '@mockops/pipeline-core';
import { MATCHER_GROUP, deadLetterStreamOf, pairsOf, partitionStreamsOf } from '@mockops/event-stream';
import { QUEUE_STATES, sharedStateGauges, type QueueState, type SharedStateSample } from '@mockops/telemetry';
import type { Infrastructure } from './infrastructure';

/**
 * Samples the shared state behind the gateway's gauges (docs/metrics.md): executions by status
 * (Postgres), the matcher group's lag and pending entries (XINFO GROUPS), each step queue's jobs and
 * workers (BullMQ), the dead-letter stream's length. In the background, every `intervalMs` (at most
 * 15 s): a scrape serves the last sample and never waits on Redis or Postgres, which may be down.
 */
export class SharedStateSampler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly gauges = sharedStateGauges();

  constructor(
    private readonly infra: Pick<Infrastructure, 'config' | 'redis' | 'store' | 'queues'>,
    private readonly intervalMs: number,
    private readonly logger: LogSink,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sample now (tests; the timer's ticks). */
  async sampleNow(): Promise<SharedStateSample> {
    const sample = await this.sample();
    this.gauges.update(sample);
    return sample;
  }

  private tick(): void {
    if (this.running) return; // a slow sample (Redis or Postgres down) is not stacked up
    this.running = this.sampleNow()
      .then(() => undefined)
      .catch((e) => this.logger.warn(`sampling queues, stream and executions failed (serving the last sample): ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  private async sample(): Promise<SharedStateSample> {
    const { redis, store, queues, config } = this.infra;
    const streams = partitionStreamsOf(config.events.stream, config.events.partitions);
    const [executions, groupsByPartition, deadLetterCounts, queueSamples] = await Promise.all([
      store.countExecutionsByStatus(),
      Promise.all(
        streams.map(
          (stream) =>
            redis.xinfo('GROUPS', stream).catch((e: Error) => {
              if (/no such key/i.test(e.message)) return [];
              throw e;
            }) as Promise<unknown[]>,
        ),
      ),
      Promise.all(streams.map((stream) => redis.xlen(deadLetterStreamOf(stream)))),
      Promise.all(
        [...queues].map(async ([queue, q]) => {
          const [counts, workers] = await Promise.all([q.getJobCounts(...QUEUE_STATES), q.getWorkersCount()]);
          const jobs = Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as Record<QueueState, number>;
          return { queue, jobs, workers };
        }),
      ),
    ]);
    const matcher = streams.map((stream, i) => {
      const group = groupsByPartition[i].map((g) => pairsOf(g as unknown[])).find((g) => g['name'] === MATCHER_GROUP);
      return { partition: stream, lag: group ? Number(group['lag'] ?? 0) : 0, pending: group ? Number(group['pending'] ?? 0) : 0 };
    });
    return {
      executions,
      matcher,
      queues: queueSamples,
      deadLetterEntries: deadLetterCounts.reduce((a, b) => a + b, 0),
    };
  }
}
