// One-process mode (`npm start`): the gateway, the trigger-matcher and every step worker in one Node
// process, with the embedded Postgres when DATABASE_URL is unset and a local redis-server when no
// Redis answers and REDIS_URL is unset. `main.js migrate` applies pending migrations and exits.
import { Logger } from '@nestjs/common';
import { loadConfig } from '@mockops/config';
import { openInfrastructure, startService } from '@mockops/runtime';
import { ALL_STEP_HANDLERS } from './handlers';
import { ApiKeyRegistry, assertSafeBinding, gatewaySettingsFromEnv, webUiDir } from '@mockops/gateway-api';
import { gatewayParts } from './gateway';

async function main(): Promise<void> {
  const logger = new Logger('mockops');
  if (process.argv[2] === 'migrate') {
    const infra = await openInfrastructure({ ...loadConfig(), autoMigrate: true });
    logger.log('migrations applied');
    await infra.close();
    return;
  }
  // Check the API exposure before connecting anywhere: no keys means loopback only.
  const config = loadConfig();
  const gateway = gatewayParts(gatewaySettingsFromEnv({ ...process.env, HOST: config.host }));
  assertSafeBinding(gateway.settings.host, ApiKeyRegistry.fromEnv(gateway.settings.apiKeys).open);
  const service = await startService(
    {
      name: 'mockops',
      matcher: true,
      handlers: ALL_STEP_HANDLERS,
      modules: gateway.modules,
      http: gateway.configure,
      startLocalRedis: true,
    },
    { config },
  );
  logger.log(`API: ${service.url}/api/v1   docs: ${service.url}/api/docs${webUiDir() ? `   web app: ${service.url}/` : ''}`);
}

main().catch((e) => {
  new Logger('mockops').error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
