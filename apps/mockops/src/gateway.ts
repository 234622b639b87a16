import type { INestApplication } from '@nestjs/common';
import { GatewayModule, WebUiModule, configureGatewayApp, gatewayOptionsFrom, gatewaySettingsFromEnv, type GatewaySettings } from '@mockops/gateway-api';
import type { Infrastructure } from '@mockops/runtime';
import { PromotionsModule, PublishedVersionsModule } from '@mockops/step-auto-promote';
import { ArtifactsModule } from '@mockops/step-regenerate-sdk';

/** The REST API (and the promotions recorder) inside the one-process app, on the shared infrastructure. */
export function gatewayParts(settings: GatewaySettings = gatewaySettingsFromEnv()) {
  return {
    settings,
    modules: [
      (infra: Infrastructure) => GatewayModule.forRoot(gatewayOptionsFrom(infra, settings)),
      () => PromotionsModule.forRoot({ apiKeys: settings.apiKeys }),
      (infra: Infrastructure) => ArtifactsModule.fromDataSource(infra.dataSource, infra.store, settings.apiKeys),
      // Records every published scenario version (what `GET /workspaces/:id/environments` shows).
      (infra: Infrastructure) => PublishedVersionsModule.forRoot(infra),
      () => WebUiModule.forRoot(),
    ],
    configure: (app: INestApplication) => {
      configureGatewayApp(app, { host: settings.host, maxBody: settings.maxBody });
    },
  };
}
