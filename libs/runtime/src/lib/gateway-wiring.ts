import type { INestApplication } from '@nestjs/common';
import { ArtifactStore, PromotionStore } from '@mockops/execution-store';
import { GatewayApiModule, configureGatewayApp, queueDashboardModules, type GatewayModuleOptions } from '@mockops/gateway-api';
import { PROMOTION_WEBHOOK_SECRET } from '@mockops/step-auto-promote';
import type { DynamicModule } from '@nestjs/common';
import type { Infrastructure } from './infrastructure';
import { promotionAnnouncer } from './step-handlers';

/** What a process that serves the API wants of it; every default comes from the config's gateway section. */
export interface GatewaySpec {
  /** Serve the web app at `/` when it is built (default true). */
  webUi?: boolean;
  /** Overrides MOCKOPS_RATE_LIMIT (tests). */
  rateLimit?: GatewayModuleOptions['rateLimit'];
  /** Serve the OpenAPI document (default true). */
  docs?: boolean;
  /** Serve Bull Board at /admin/queues, for admin keys (default true). */
  queueDashboard?: boolean;
}

/** Bull Board over this installation's step queues. */
export function queueDashboard(infra: Infrastructure): DynamicModule[] {
  return queueDashboardModules([...infra.queues.values()], infra.config.gateway.apiKeys);
}

/** The one REST API module, wired to the process's infrastructure (the gateway app and the one-process app alike). */
export function gatewayApiModule(infra: Infrastructure, spec: GatewaySpec = {}): DynamicModule {
  return GatewayApiModule.forRoot(
    {
      store: infra.store,
      publisher: infra.publisher,
      notifier: infra.notifier,
      advancer: infra.advancer,
      redis: infra.redis,
      dataSource: infra.dataSource,
      apiKeys: infra.config.gateway.apiKeys,
      rateLimit: spec.rateLimit ?? infra.config.gateway.rateLimit,
      secrets: { store: infra.secretStore, resolver: infra.secretResolver },
      promotions: {
        store: new PromotionStore(infra.dataSource),
        announcer: promotionAnnouncer(infra),
        webhookSecret: infra.secrets[PROMOTION_WEBHOOK_SECRET],
      },
      artifacts: new ArtifactStore(infra.dataSource),
    },
    { webUi: spec.webUi ?? true },
  );
}

export function configureGateway(app: INestApplication, infra: Infrastructure, spec: GatewaySpec = {}): void {
  configureGatewayApp(app, { host: infra.config.gateway.host, maxBody: infra.config.gateway.maxBody, docs: spec.docs });
}
