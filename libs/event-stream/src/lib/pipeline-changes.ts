import type { Redis } from 'ioredis';
import { DEFAULT_EVENTS_STREAM, pipelineChangesChannelOf, pipelinesVersionKeyOf } from './wire';

export interface PipelineChange {
  pipelineId: string;
  /** What happened; the matcher reloads the pipeline from the store whatever it is. */
  kind: 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';
  /**
   * The change's number in the install's sequence of pipeline changes (INCR of a counter): a matcher
   * compares the counter with what it applied before each batch, so an event published after a save
   * returned is always matched against that save (read your writes), even if the message is late.
   */
  version?: number;
}

/** Tells every matcher replica that a pipeline changed (Redis pub/sub; the store stays the truth). */
export class PipelineChangeNotifier {
  private readonly channel: string;
  private readonly versionKey: string;

  constructor(
    private readonly redis: Redis,
    stream = DEFAULT_EVENTS_STREAM,
  ) {
    this.channel = pipelineChangesChannelOf(stream);
    this.versionKey = pipelinesVersionKeyOf(stream);
  }

  async notify(pipelineId: string, kind: PipelineChange['kind']): Promise<void> {
    const version = await this.redis.incr(this.versionKey);
    await this.redis.publish(this.channel, JSON.stringify({ pipelineId, kind, version } satisfies PipelineChange));
  }
}

/**
 * Subscribes on a dedicated connection (a subscribed ioredis connection cannot run other commands).
 * Messages that are not a PipelineChange are ignored.
 */
export async function subscribePipelineChanges(
  subscriber: Redis,
  stream: string,
  onChange: (change: PipelineChange) => void,
): Promise<() => Promise<void>> {
  const channel = pipelineChangesChannelOf(stream);
  const listener = (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      const parsed = JSON.parse(message) as PipelineChange;
      if (typeof parsed?.pipelineId === 'string') onChange(parsed);
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
