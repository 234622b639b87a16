import { DEFAULT_EVENTS_STREAM } from '@mockops/event-stream';
import type { ResolvedGatewayOptions } from '../gateway.options';

/** The ExecutionChangeSink the API's own state changes (cancel) are announced on; null without Redis. */
export const EXECUTION_CHANGES = Symbol('EXECUTION_CHANGES');
/** The ExecutionFeedStore (read models of the run view); null without a TypeORM DataSource. */
export const EXECUTION_FEED = Symbol('EXECUTION_FEED');

/** The event stream the gateway publishes to (EventPublisher.streamName), which names the dead-letter stream and the channels. */
/** Every partition's stream (EventPublisher.streamNames), partition 0 (eventsStreamOf) first. */
export function eventsStreamsOf(options: Pick<ResolvedGatewayOptions, 'publisher'>): string[] {
  const names = (options.publisher as { streamNames?: unknown }).streamNames;
  return Array.isArray(names) && names.length && names.every((n) => typeof n === 'string') ? (names as string[]) : [eventsStreamOf(options)];
}

export function eventsStreamOf(options: Pick<ResolvedGatewayOptions, 'publisher'>): string {
  const name = (options.publisher as { streamName?: unknown }).streamName;
  return typeof name === 'string' && name ? name : DEFAULT_EVENTS_STREAM;
}
