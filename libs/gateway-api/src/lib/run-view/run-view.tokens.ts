import { DEFAULT_EVENTS_STREAM } from '@mockops/event-stream';
import type { ResolvedGatewayOptions } from '../gateway.options';

/** The ExecutionChangeSink the API's own state changes (cancel) are announced on; null without Redis. */
export const EXECUTION_CHANGES = Symbol('EXECUTION_CHANGES');
/** The ExecutionFeedStore (read models of the run view); null without a TypeORM DataSource. */
export const EXECUTION_FEED = Symbol('EXECUTION_FEED');

/** The event stream the gateway publishes to (EventPublisher.streamName), which names the dead-letter stream and the channels. */
export function eventsStreamOf(options: Pick<ResolvedGatewayOptions, 'publisher'>): string {
  const name = (options.publisher as { streamName?: unknown }).streamName;
  return typeof name === 'string' && name ? name : DEFAULT_EVENTS_STREAM;
}
