import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventPublisher } from '@mockops/event-stream';
import { PromotionStore } from '@mockops/execution-store';
import { ApiKeyRegistry, type ApiKeyEntry } from '@mockops/gateway-api';
import { DATA_SOURCE, EVENT_PUBLISHER } from '@mockops/runtime';
import { PromotionAnnouncer } from '../promotion-announcer';
import { PromotionsController, WorkspaceEnvironmentsController } from './promotions.controller';
import { PromotionsService } from './promotions.service';

export interface PromotionsModuleOptions {
  /** MOCKOPS_API_KEYS text or parsed entries (default: process.env.MOCKOPS_API_KEYS), as the gateway reads them. */
  apiKeys?: string | ApiKeyEntry[] | null;
}

/**
 * The promotions REST API (`/promotions`, `/workspaces/:id/environments`) for a process started with
 * @mockops/runtime (it uses the runtime's DATA_SOURCE, EVENT_PUBLISHER, EXECUTION_STORE,
 * EXECUTION_ADVANCER and SECRETS). Controllers use the gateway's key guard and error filter, so the
 * answers and errors look like the rest of `/api/v1`.
 */
@Module({})
export class PromotionsModule {
  static forRoot(options: PromotionsModuleOptions = {}): DynamicModule {
    const keys = options.apiKeys === undefined ? process.env['MOCKOPS_API_KEYS'] : options.apiKeys;
    return {
      module: PromotionsModule,
      controllers: [PromotionsController, WorkspaceEnvironmentsController],
      providers: [
        { provide: ApiKeyRegistry, useFactory: () => (Array.isArray(keys) ? new ApiKeyRegistry(keys) : ApiKeyRegistry.fromEnv(keys)) },
        { provide: PromotionStore, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new PromotionStore(ds) },
        { provide: PromotionAnnouncer, inject: [EVENT_PUBLISHER], useFactory: (publisher: EventPublisher) => new PromotionAnnouncer({ publisher }) },
        PromotionsService,
      ],
      exports: [PromotionsService, PromotionStore],
    };
  }
}
