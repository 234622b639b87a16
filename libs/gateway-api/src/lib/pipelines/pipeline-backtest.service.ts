import { Inject, Injectable } from '@nestjs/common';
import { parseEventEntry } from '@mockops/event-stream';
import { backtest, backtestReport, eventWorkspaceId, parseDuration, type BacktestEvent } from '@mockops/pipeline-core';
import type { Principal } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { scanStreams, streamsFor } from '../events/stream-scan';
import type { BacktestDto } from './pipeline.dto';
import { PipelinesService, readToolBody } from './pipelines.service';

/** How far back a backtest may look (the stream's retention is usually shorter). */
const MAX_SINCE_MS = 90 * 86_400_000;
/** At most this many stream entries and this many stored executions' events are read per backtest. */
export const BACKTEST_MAX_EVENTS = 100_000;
/** And at most this many bytes of events from each source: one backtest never holds more. */
export const BACKTEST_MAX_BYTES = 64 * 1024 * 1024;

/** `7d`, `24h`, `90m` (before now) or an ISO date-time. */
function readSince(value: unknown, now: number): number {
  if (value === undefined) return now - 7 * 86_400_000;
  if (typeof value !== 'string') throw new GatewayError('VALIDATION_FAILED', 'since must be a duration (7d, 24h, 90m) or an ISO date-time', [{ path: 'since', message: 'expected a string' }]);
  const duration = parseDuration(value);
  const at = duration !== null ? now - duration : Date.parse(value);
  if (Number.isNaN(at) || (duration === null && !/^\d{4}-\d{2}-\d{2}/.test(value))) {
    throw new GatewayError('VALIDATION_FAILED', `since: "${value}" is neither a duration (7d, 24h, 90m) nor an ISO date-time`, [{ path: 'since', message: 'not a duration or date-time' }]);
  }
  if (now - at > MAX_SINCE_MS) throw new GatewayError('VALIDATION_FAILED', 'since: a backtest looks back at most 90 days', [{ path: 'since', message: 'at most 90d' }]);
  return Math.min(at, now);
}

/**
 * Backtest (POST /pipelines/backtest): the pipeline's triggers, filters, debounce and concurrency run
 * over the events retained on the stream and the events of stored executions, with pipeline-core's
 * `backtest`; nothing is created, enqueued or published. An owned pipeline (every workspace key's)
 * sees only its workspace's events — the others are never read into the result, not even counted.
 */
@Injectable()
export class PipelineBacktestService {
  constructor(
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
    private readonly pipelines: PipelinesService,
  ) {}

  async run(principal: Principal, body: unknown): Promise<BacktestDto> {
    const input = readToolBody(body, 'pipeline, since');
    const now = Date.now();
    const since = readSince(input.since, now);
    const target = await this.pipelines.toolTarget(principal, input);
    const visible = (event: { workspace_id?: string; payload?: Record<string, unknown> }) =>
      target.owner === null || eventWorkspaceId(event as Parameters<typeof eventWorkspaceId>[0]) === target.owner;

    const seen = new Set<string>();
    const keyOf = (e: Parameters<typeof eventWorkspaceId>[0]) => `${e.workspace_id ?? ''}\u0000${e.id}`;
    const events: BacktestEvent[] = [];
    const stream = await this.readStream(since, now, target.owner, visible);
    for (const item of stream.events) {
      const key = keyOf(item.event);
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(item);
    }
    const stored = await this.options.store.listExecutionEvents({ since: new Date(since), until: new Date(now + 1), eventWorkspaceId: target.owner, limit: BACKTEST_MAX_EVENTS, maxBytes: BACKTEST_MAX_BYTES });
    let fromExecutions = 0;
    for (const { event, queuedAt } of stored.events) {
      if (!visible(event)) continue;
      const key = keyOf(event);
      if (seen.has(key)) continue;
      seen.add(key);
      fromExecutions++;
      events.push({ event, time: queuedAt });
    }
    const result = backtest(target.document, events, { workspaceId: target.owner, ...(target.pipelineId ? { pipelineId: target.pipelineId } : {}) });
    return {
      since: new Date(since).toISOString(),
      until: new Date(now).toISOString(),
      sources: { stream: stream.events.length, executions: fromExecutions, truncated: stream.truncated || stored.truncated },
      ...backtestReport(result),
    } as BacktestDto;
  }

  /**
   * The stream's valid entries from `since` on (XRANGE by time) of the partitions this pipeline's
   * events can be on, this caller's only, within BACKTEST_MAX_EVENTS entries and BACKTEST_MAX_BYTES.
   */
  private async readStream(since: number, now: number, owner: string | null, visible: (e: { workspace_id?: string; payload?: Record<string, unknown> }) => boolean) {
    const redis = this.options.redis;
    if (!redis) throw new GatewayError('UNAVAILABLE', 'backtests read the event stream, and this gateway has no Redis connection');
    const events: BacktestEvent[] = [];
    const streams = streamsFor(this.options, owner === null ? null : [owner]);
    const scan = await scanStreams(redis, streams, { from: `${since}-0`, to: String(now) }, { maxEntries: BACKTEST_MAX_EVENTS, maxBytes: BACKTEST_MAX_BYTES }, ({ id, fields, bytes }) => {
      const parsed = parseEventEntry({ id, fields, bytes }, { now: new Date(Number(id.split('-')[0])) });
      if (parsed?.ok && visible(parsed.event)) events.push({ event: parsed.event, time: id });
    });
    return { events, truncated: scan.truncated };
  }
}
