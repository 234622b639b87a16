import type { Provider, Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ExecutionChangeNotifier } from '@mockops/event-stream';
import { ExecutionFeedStore } from '@mockops/execution-store';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';
import { EventTypesController } from './event-types.controller';
import { ExecutionLiveService } from './execution-live.service';
import { ExecutionsFeedController, PipelineInsightsController } from './executions-feed.controller';
import { ExecutionsFeedService } from './executions-feed.service';
import { EXECUTION_CHANGES, EXECUTION_FEED, eventsStreamOf } from './run-view.tokens';

function isDataSource(value: unknown): value is DataSource {
  return typeof (value as DataSource | undefined)?.createQueryRunner === 'function';
}

/**
 * What the run view (the web app) needs from the API beyond the per-resource endpoints. Registered
 * in the GatewayModule ahead of ExecutionsController, so `/executions/live` is not taken for an id.
 */
export const RUN_VIEW_CONTROLLERS: Type<unknown>[] = [ExecutionsFeedController, PipelineInsightsController, DeadLettersController, EventTypesController];

export const RUN_VIEW_PROVIDERS: Provider[] = [
  {
    provide: EXECUTION_FEED,
    useFactory: (o: ResolvedGatewayOptions) => (isDataSource(o.dataSource) ? new ExecutionFeedStore(o.dataSource) : null),
    inject: [GATEWAY_OPTIONS],
  },
  {
    provide: EXECUTION_CHANGES,
    useFactory: (o: ResolvedGatewayOptions) => (o.redis ? new ExecutionChangeNotifier(o.redis, eventsStreamOf(o)) : null),
    inject: [GATEWAY_OPTIONS],
  },
  ExecutionsFeedService,
  ExecutionLiveService,
  DeadLettersService,
];
