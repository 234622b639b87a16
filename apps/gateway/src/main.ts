// The gateway alone: the REST API (/api/v1), probes (/healthz, /readyz), the OpenAPI document
// (/api/docs) and the web app (/). Database: DATABASE_URL, else the embedded Postgres; Redis:
// REDIS_URL (default redis://127.0.0.1:6379); listens on HOST (default 127.0.0.1) and PORT (3000).
import './instrument';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@mockops/config';
import { assertSafeBinding, webUiDir } from '@mockops/gateway-api';
import { startService } from '@mockops/runtime';

async function main(): Promise<void> {
  // Read and check everything before connecting anywhere: a bad value stops the boot with its name.
  const config = loadConfig();
  assertSafeBinding(config.gateway.host, config.gateway.apiKeys.length === 0);
  const service = await startService({ name: 'gateway', gateway: true }, { config });
  new Logger('gateway').log(`API ${service.url}/api/v1, docs ${service.url}/api/docs${webUiDir() ? `, web app: ${service.url}/` : ''}`);
}

main().catch((e) => {
  new Logger('gateway').error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
