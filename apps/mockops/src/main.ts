// One-process mode (`npm start`): the gateway, the trigger-matcher and every step worker in one Node
// process, with the embedded Postgres when DATABASE_URL is unset and a local redis-server when no
// Redis answers and REDIS_URL is unset. `main.js migrate` applies pending migrations and exits.
import './instrument';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig, parseSecretsKeys, type MockopsConfig } from '@mockops/config';
import { openInfrastructure, publishedVersionsRecorder, startService } from '@mockops/runtime';
import { assertSafeBinding, webUiDir } from '@mockops/gateway-api';

/**
 * Development convenience: without MOCKOPS_SECRETS_KEY the one-process app keeps a key in its data
 * directory (created once, readable by this user only) so `mockforge secrets set` works out of the box.
 */
function withDevelopmentSecretsKey(config: MockopsConfig, logger: Logger): MockopsConfig {
  if (config.secrets.keys.length) return config;
  const file = join(config.dataDir, 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn(`MOCKOPS_SECRETS_KEY is not set: generated a development key for workspace secrets at ${file}; set MOCKOPS_SECRETS_KEY in production`);
  } else {
    logger.warn(`MOCKOPS_SECRETS_KEY is not set: workspace secrets use the development key at ${file}`);
  }
  const problems: string[] = [];
  const keys = parseSecretsKeys(readFileSync(file, 'utf8').trim(), problems);
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return { ...config, secrets: { ...config.secrets, keys } };
}

async function main(): Promise<void> {
  const logger = new Logger('mockops');
  if (process.argv[2] === 'migrate') {
    const base = loadConfig();
    const infra = await openInfrastructure({ ...base, database: { ...base.database, autoMigrate: true } });
    logger.log('migrations applied');
    await infra.close();
    return;
  }
  // Check the API exposure before connecting anywhere: no keys means loopback only.
  const config = withDevelopmentSecretsKey(loadConfig(), logger);
  assertSafeBinding(config.gateway.host, config.gateway.apiKeys.length === 0);
  const service = await startService(
    { name: 'mockops', matcher: true, handlers: 'all', gateway: true, services: [publishedVersionsRecorder], startLocalRedis: true },
    { config },
  );
  logger.log(`API: ${service.url}/api/v1   docs: ${service.url}/api/docs${webUiDir() ? `   web app: ${service.url}/` : ''}`);
}

main().catch((e) => {
  new Logger('mockops').error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
