import { Redis } from 'ioredis';
import { EventPublisher } from '@mockops/event-stream';
import { createDataSource, PromotionStore, runMigrations } from '@mockops/execution-store';
import { createSchema, dropSchema, eventually, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSuffix } from '@mockops/testing';
import type { DataSource } from 'typeorm';
import { PUBLISHED_VERSIONS_GROUP, PublishedVersionsRecorder } from './published-versions.recorder';

describe('PublishedVersionsRecorder (real Redis stream, real Postgres)', () => {
  const id = uniqueSuffix();
  const schema = `apr_${id}`;
  const stream = `test:${id}:events`;
  let ds: DataSource;
  let redis: Redis;
  let store: PromotionStore;
  let recorder: PublishedVersionsRecorder;

  beforeAll(async () => {
    await createSchema(schema);
    ds = createDataSource({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    await ds.initialize();
    await runMigrations(ds);
    store = new PromotionStore(ds);
    redis = new Redis(TEST_REDIS_URL);
    recorder = new PublishedVersionsRecorder({ redis, stream, promotions: store, probe: () => ds.query('SELECT 1'), blockMs: 100, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    await recorder.start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await redis?.del(stream);
    await redis?.quit();
    await ds?.destroy();
    await dropSchema(schema);
  });

  it('records every published scenario in its environment, ignores other events and acknowledges everything', async () => {
    const publisher = new EventPublisher(redis, { stream });
    await redis.xadd(stream, '*', 'event', '{not json');
    await publisher.publish('schema.changed', { spec_path: 'a.yaml', schema_type: 'openapi' }, { workspaceId: 'ws-r' });
    await publisher.publish('scenario.published', { scenario_id: 'sc-1', version: 2 }, { workspaceId: 'ws-r', occurredAt: '2025-01-01T00:00:00.000Z' });
    await publisher.publish('scenario.published', { scenario_id: 'sc-1', version: 1 }, { workspaceId: 'ws-r', occurredAt: '2024-12-31T00:00:00.000Z' });
    await publisher.publish('scenario.published', { scenario_id: 'sc-2', version: '1.0', environment: 'test', workspace_id: 'ws-r' });
    await publisher.publish('scenario.published', { scenario_id: 'sc-3', version: 1, environment: 'nowhere' }, { workspaceId: 'ws-r' });
    await publisher.publish('scenario.published', { scenario_id: 'marker', version: 1 }, { workspaceId: 'ws-r' });

    await eventually(async () => (await store.getEnvironments('ws-r')).versions.some((v) => v.entityId === 'marker'), 'the marker to be recorded');
    const view = await store.getEnvironments('ws-r');
    expect(view.versions.map((v) => `${v.environment}:${v.entityId}@${v.version}`)).toEqual(['dev:marker@1', 'dev:sc-1@2', 'test:sc-2@1.0']);
    const pending = (await redis.xpending(stream, PUBLISHED_VERSIONS_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
