// The gateway alone: the REST API (/api/v1), probes (/healthz, /readyz) and the OpenAPI document
// (/api/docs). Database: DATABASE_URL, else the embedded Postgres; Redis: REDIS_URL
// (default redis://127.0.0.1:6379); listens on HOST (default 127.0.0.1) and PORT (default 3000).
import { Logger } from '@nestjs/common';
import { loadConfig } from '@mockops/config';
import {
  ApiKeyRegistry,
  GatewayModule,
  WebUiModule,
  assertSafeBinding,
  configureGatewayApp,
  gatewayOptionsFrom,
  gatewaySettingsFromEnv,
  webUiDir,
} from '@mockops/gateway-api';
import { startService } from '@mockops/runtime';
import { PromotionsModule } from '@mockops/step-auto-promote';
import { ArtifactsModule } from '@mockops/step-regenerate-sdk';

async function main(): Promise<void> {
  // Read and check everything before connecting anywhere: a bad value stops the boot with its name.
  const config = loadConfig();
  const settings = gatewaySettingsFromEnv({ ...process.env, HOST: config.host });
  assertSafeBinding(settings.host, ApiKeyRegistry.fromEnv(settings.apiKeys).open);
  const service = await startService(
    {
      name: 'gateway',
      modules: [
        (infra) => GatewayModule.forRoot(gatewayOptionsFrom(infra, settings)),
        () => PromotionsModule.forRoot({ apiKeys: settings.apiKeys }),
        (infra) => ArtifactsModule.fromDataSource(infra.dataSource, infra.store, settings.apiKeys),
        () => WebUiModule.forRoot(),
      ],
      http: (app) => {
        configureGatewayApp(app, { host: settings.host, maxBody: settings.maxBody });
      },
    },
    { config },
  );
  new Logger('gateway').log(`API ${service.url}/api/v1, docs ${service.url}/api/docs${webUiDir() ? `, web app ${service.url}/` : ''}`);
}

main().catch((e) => {
  new Logger('gateway').error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
