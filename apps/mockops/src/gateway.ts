import type { INestApplication } from '@nestjs/common';
import { GatewayModule, configureGatewayApp, gatewayOptionsFrom, gatewaySettingsFromEnv, type GatewaySettings } from '@mockops/gateway-api';
import type { Infrastructure } from '@mockops/runtime';

/** The REST API inside the one-process app, on the same infrastructure as the matcher and workers. */
export function gatewayParts(settings: GatewaySettings = gatewaySettingsFromEnv()) {
  return {
    settings,
    module: (infra: Infrastructure) => GatewayModule.forRoot(gatewayOptionsFrom(infra, settings)),
    configure: (app: INestApplication) => {
      configureGatewayApp(app, { host: settings.host, maxBody: settings.maxBody });
    },
  };
}
