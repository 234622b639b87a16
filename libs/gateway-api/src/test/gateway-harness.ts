import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { EventPublisher, PipelineChangeNotifier } from '@mockops/event-stream';
import { createDataSource, openStore, runMigrations, type Store } from '@mockops/execution-store';
import { SPEC_PIPELINES, TEST_DATABASE_URL, TEST_REDIS_URL, specPipeline, type SpecPipelineName } from '@mockops/testing';
import { configureGatewayApp, type ConfigureGatewayOptions } from '../lib/configure-gateway-app';
import { GatewayApiModule } from '../lib/gateway.module';
import { parseApiKeys } from '@mockops/config';
import { ArtifactStore } from '@mockops/execution-store';
import type { GatewayModuleOptions } from '../lib/gateway.options';

/** Where the spec's complete pipelines live, verbatim (checked against the spec in @mockops/testing). */
export const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples');

/** The complete pipelines of the product spec, verbatim: file name → YAML. */
export function specExamples(): { file: string; path: string; name: string; yaml: string }[] {
  return (Object.keys(SPEC_PIPELINES) as SpecPipelineName[]).sort().map((name) => ({
    file: `${name}.yaml`,
    path: join(EXAMPLES, `${name}.yaml`),
    name,
    yaml: specPipeline(name),
  }));
}

export interface TestGateway {
  app: INestApplication;
  url: string;
  store: Store;
  dataSource: DataSource;
  redis: Redis;
  stream: string;
  /** Pipeline-change messages announced while the gateway ran, in order. */
  changes: { pipelineId: string; kind: string }[];
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  apiKeys?: string;
  rateLimit?: GatewayModuleOptions['rateLimit'];
  configure?: ConfigureGatewayOptions;
  /** More modules beside the gateway (e.g. the web app's). */
  modules?: DynamicModule[];
}

/**
 * A real gateway on 127.0.0.1 and a free port, against the shared Postgres (its own random schema,
 * migrated) and Redis (its own stream name), so test files run in parallel without seeing each other.
 */
export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const id = randomBytes(5).toString('hex');
  const schema = `gw_test_${id}`;
  const stream = `test:gw:${id}:events`;
  const dataSource = createDataSource({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  const redis = new Redis(TEST_REDIS_URL);
  const store = openStore(dataSource);
  const changes: { pipelineId: string; kind: string }[] = [];
  const notifier = new PipelineChangeNotifier(redis, stream);
  // Records announcements in-process as well, so tests can assert what matchers were told.
  const recordingNotifier = {
    async notify(pipelineId: string, kind: Parameters<PipelineChangeNotifier['notify']>[1]) {
      changes.push({ pipelineId, kind });
      await notifier.notify(pipelineId, kind);
    },
  };

  @Module({
    imports: [
      GatewayApiModule.forRoot({
        store,
        redis,
        dataSource,
        publisher: new EventPublisher(redis, { stream }),
        notifier: recordingNotifier,
        apiKeys: parseApiKeys(opts.apiKeys),
        artifacts: new ArtifactStore(dataSource),
        rateLimit: opts.rateLimit ?? false,
      }),
      ...(opts.modules ?? []),
    ],
  })
  class TestAppModule {}

  const app = await NestFactory.create(TestAppModule, { bodyParser: false, logger: ['error'] });
  configureGatewayApp(app, { host: '127.0.0.1', ...opts.configure });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    store,
    dataSource,
    redis,
    stream,
    changes,
    async close() {
      await app.close();
      // The stream's co-keys carry its hash tag: {test:gw:<id>:events}:dead ...
      const keys = [...(await redis.keys(`test:gw:${id}:*`)), ...(await redis.keys(`{test:gw:${id}:*`))];
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
