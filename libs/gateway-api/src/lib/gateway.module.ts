import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModuleOptions, ThrottlerStorageService, getOptionsToken, getStorageToken } from '@nestjs/throttler';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ArtifactsController } from './artifacts/artifacts.controller';
import { ArtifactsService } from './artifacts/artifacts.service';
import { ApiKeyRegistry } from './auth/api-keys';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsService } from './executions/executions.service';
import { DEFAULT_RATE_LIMIT, GATEWAY_OPTIONS, GatewayModuleOptions, ResolvedGatewayOptions } from './gateway.options';
import { HealthController } from './health/health.controller';
import { MetricsController } from './ops/metrics.controller';
import { ContentTypeGuard } from './http/content-type.guard';
import { GatewayThrottlerGuard } from './http/gateway-throttler.guard';
import { PipelinesController } from './pipelines/pipelines.controller';
import { PipelinesService } from './pipelines/pipelines.service';
import { PipelineBacktestService } from './pipelines/pipeline-backtest.service';
import { PromotionsController, WorkspaceEnvironmentsController } from './promotions/promotions.controller';
import { PromotionsService } from './promotions/promotions.service';
import { RUN_VIEW_CONTROLLERS, RUN_VIEW_PROVIDERS } from './run-view/run-view.providers';
import { SecretsController } from './secrets/secrets.controller';
import { SecretsService } from './secrets/secrets.service';
import { defaultDatabasePing } from './store-port';
import { WebUiModule } from './web-ui/web-ui.module';

export interface GatewayModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => GatewayModuleOptions | Promise<GatewayModuleOptions>;
  inject?: any[];
}

export function resolveGatewayOptions(options: GatewayModuleOptions): ResolvedGatewayOptions {
  const { redis } = options;
  const pingRedis =
    options.pingRedis ??
    (redis
      ? () => redis.ping()
      : () => Promise.reject(new Error('no Redis connection was given to the gateway')));
  const { dataSource } = options;
  const pingDatabase = options.pingDatabase ?? (dataSource ? () => dataSource.query('SELECT 1') : defaultDatabasePing(options.store));
  return { ...options, pingRedis, pingDatabase };
}

function throttlerOptions(options: ResolvedGatewayOptions): ThrottlerModuleOptions {
  const rate = options.rateLimit === false ? DEFAULT_RATE_LIMIT : (options.rateLimit ?? DEFAULT_RATE_LIMIT);
  return {
    throttlers: [{ name: 'default', limit: rate.limit, ttl: rate.windowMs }],
    ...(options.rateLimit === false ? { skipIf: () => true } : {}),
  };
}

/**
 * The whole REST API in one module, the same in the gateway app and the one-process app: pipelines,
 * executions (and their artifacts), events, secrets, promotions and environments, the run view's
 * feeds, health, and the web app. One key registry, one rate limiter, one error shape for all of
 * it. Boot it with `forRoot` (instances at hand: the runtime, tests) or `forRootAsync`, then call
 * `configureGatewayApp(app)` for the prefix, body parsers, input checks and OpenAPI document.
 */
@Module({})
export class GatewayApiModule {
  static forRoot(options: GatewayModuleOptions, opts: { webUi?: boolean } = {}): DynamicModule {
    return GatewayApiModule.build(opts.webUi ? [WebUiModule.forRoot()] : [], { provide: GATEWAY_OPTIONS, useValue: resolveGatewayOptions(options) });
  }

  static forRootAsync(options: GatewayModuleAsyncOptions): DynamicModule {
    return GatewayApiModule.build(options.imports ?? [], {
      provide: GATEWAY_OPTIONS,
      useFactory: async (...args: unknown[]) => resolveGatewayOptions(await options.useFactory(...args)),
      inject: options.inject ?? [],
    });
  }

  private static build(imports: NonNullable<ModuleMetadata['imports']>, optionsProvider: Provider): DynamicModule {
    return {
      module: GatewayApiModule,
      imports: [TerminusModule.forRoot(), ...imports],
      // The run-view controllers come before ExecutionsController, so /executions/live is not taken for an :id.
      controllers: [
        PipelinesController,
        ...RUN_VIEW_CONTROLLERS,
        ExecutionsController,
        ArtifactsController,
        EventsController,
        SecretsController,
        PromotionsController,
        WorkspaceEnvironmentsController,
        HealthController,
        MetricsController,
      ],
      providers: [
        optionsProvider,
        { provide: ApiKeyRegistry, useFactory: (o: ResolvedGatewayOptions) => new ApiKeyRegistry(o.apiKeys ?? []), inject: [GATEWAY_OPTIONS] },
        { provide: getOptionsToken(), useFactory: throttlerOptions, inject: [GATEWAY_OPTIONS] },
        { provide: getStorageToken(), useClass: ThrottlerStorageService },
        ApiKeyGuard,
        GatewayThrottlerGuard,
        ContentTypeGuard,
        PipelinesService,
        PipelineBacktestService,
        ExecutionsService,
        EventsService,
        SecretsService,
        PromotionsService,
        ArtifactsService,
        ...RUN_VIEW_PROVIDERS,
      ],
      exports: [GATEWAY_OPTIONS, ApiKeyRegistry],
    };
  }
}
