import { DynamicModule, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ArtifactStore } from '@mockops/execution-store';
import { ApiKeyGuard, ApiKeyRegistry, parseApiKeys } from '@mockops/gateway-api';
import { ArtifactsController } from './artifacts.controller';
import { ARTIFACTS_OPTIONS, type ArtifactsModuleOptions } from './artifacts.options';
import { ArtifactsService } from './artifacts.service';

/**
 * `GET /executions/:id/artifacts` and `GET /executions/:id/artifacts/:name`, to mount beside the
 * GatewayModule (same `/api/v1` prefix from configureGatewayApp, same API keys and error shape).
 * It keeps its own key registry built from the same keys, so it does not depend on GatewayModule's.
 */
@Module({})
export class ArtifactsModule {
  static forRoot(options: ArtifactsModuleOptions): DynamicModule {
    return {
      module: ArtifactsModule,
      controllers: [ArtifactsController],
      providers: [
        { provide: ARTIFACTS_OPTIONS, useValue: options },
        {
          provide: ApiKeyRegistry,
          useValue: new ApiKeyRegistry(typeof options.apiKeys === 'string' || options.apiKeys === undefined ? parseApiKeys(options.apiKeys) : options.apiKeys),
        },
        ApiKeyGuard,
        ArtifactsService,
      ],
    };
  }

  /** From a process's infrastructure: the artifact table on its data source, its execution store. */
  static fromDataSource(dataSource: DataSource, store: ArtifactsModuleOptions['store'], apiKeys?: ArtifactsModuleOptions['apiKeys']): DynamicModule {
    return ArtifactsModule.forRoot({ artifacts: new ArtifactStore(dataSource), store, apiKeys });
  }
}
