import type { Redis } from 'ioredis';
import { DEFAULT_EVENTS_STREAM } from './wire';

/**
 * A small notice that an execution (or one of its steps) changed state. It carries ids and statuses
 * only: listeners (the gateway's live feed) read the execution itself through the API afterwards.
 */
export interface ExecutionChange {
  execution_id: string;
  pipeline_id: string;
  workspace_id: string | null;
  status: string;
  step?: string;
  step_status?: string;
}

/** The notice for an execution (and optionally one of its steps) now in `status`. */
export function changeOf(
  execution: { id: string; pipelineId: string; workspaceId: string | null },
  status: string,
  step?: { name: string; status: string },
): ExecutionChange {
  return {
    execution_id: execution.id,
    pipeline_id: execution.pipelineId,
    workspace_id: execution.workspaceId,
    status,
    ...(step ? { step: step.name, step_status: step.status } : {}),
  };
}

/** Anything that takes execution-change notices. Implementations must never throw. */
export interface ExecutionChangeSink {
  notify(change: ExecutionChange): void;
}

/** Pub/sub channel on which execution changes are announced (the gateway's live feed listens). */
export function executionChangesChannelOf(stream: string): string {
  return `${stream}:execution-changes`;
}

/**
 * Publishes execution changes on Redis pub/sub, fire-and-forget: the notice is a hint for live
 * views, Postgres stays the truth, so a failed PUBLISH is ignored and never fails a step. When a
 * PUBLISH reaches nobody (no live view open), the next `quietMs` of notices are not sent at all:
 * with nobody watching, a busy worker sends about four PUBLISHes a second instead of one per step,
 * and a live view that opens hears of changes within `quietMs` (it reads the current state on open).
 */
export class ExecutionChangeNotifier implements ExecutionChangeSink {
  private readonly channel: string;
  private quietUntil = 0;

  constructor(
    private readonly redis: Pick<Redis, 'publish'>,
    stream = DEFAULT_EVENTS_STREAM,
    private readonly quietMs = 250,
    private readonly now: () => number = Date.now,
  ) {
    this.channel = executionChangesChannelOf(stream);
  }

  notify(change: ExecutionChange): void {
    if (this.quietMs > 0 && this.now() < this.quietUntil) return;
    try {
      this.redis
        .publish(this.channel, JSON.stringify(change))
        .then((receivers) => {
          if (receivers === 0) this.quietUntil = this.now() + this.quietMs;
        })
        .catch(() => undefined);
    } catch {
      // A closed connection can throw synchronously; the notice is only a hint.
    }
  }
}

function isExecutionChange(value: unknown): value is ExecutionChange {
  const v = value as Partial<ExecutionChange> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.execution_id === 'string' &&
    typeof v.pipeline_id === 'string' &&
    typeof v.status === 'string' &&
    (v.workspace_id === null || typeof v.workspace_id === 'string')
  );
}

/**
 * Subscribes on a dedicated connection (a subscribed ioredis connection cannot run other commands).
 * Messages that are not an ExecutionChange are ignored. Returns the unsubscribe function.
 */
export async function subscribeExecutionChanges(
  subscriber: Redis,
  stream: string,
  onChange: (change: ExecutionChange) => void,
): Promise<() => Promise<void>> {
  const channel = executionChangesChannelOf(stream);
  const listener = (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      const parsed: unknown = JSON.parse(message);
      if (isExecutionChange(parsed)) onChange(parsed);
    } catch {
      // not ours
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}
