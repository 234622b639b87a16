import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type MockopsConfig } from '@mockops/config';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A short random suffix for names that must not collide between parallel test files. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export async function createSchema(name: string, url = TEST_DATABASE_URL): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${name}"`);
  } finally {
    await client.end();
  }
}

export async function dropSchema(name: string, url = TEST_DATABASE_URL): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}

export interface TestEnv {
  /** Environment variables of the isolated installation (also for child processes). */
  env: Record<string, string>;
  config: MockopsConfig;
  schema: string;
  cleanup(): Promise<void>;
}

/**
 * An isolated MockOps installation on the shared test Postgres and Redis: its own schema, event stream
 * and queue prefix, short leases and idle times so crash-recovery tests finish quickly.
 */
export async function createTestEnv(extra: Record<string, string> = {}): Promise<TestEnv> {
  const id = uniqueSuffix();
  const schema = `t_${id}`;
  await createSchema(schema);
  const env: Record<string, string> = {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    MOCKOPS_DB_SCHEMA: schema,
    MOCKOPS_EVENTS_STREAM: `test:${id}:events`,
    MOCKOPS_QUEUE_PREFIX: `test-${id}`,
    MOCKOPS_STEP_LEASE_MS: '3000',
    MOCKOPS_MATCHER_BLOCK_MS: '100',
    MOCKOPS_MATCHER_CLAIM_IDLE_MS: '1500',
    MOCKOPS_MATCHER_START: '0',
    MOCKOPS_MATCHER_RELOAD_MS: '60000',
    MOCKOPS_EGRESS_ALLOW: '127.0.0.1',
    MOCKOPS_DATA_DIR: `/tmp/mockops-test-${id}`,
    MOCKOPS_SECRETS_KEY: randomBytes(32).toString('base64'),
    PORT: '0',
    // Headless services of parallel test files would all take 9464 otherwise.
    MOCKOPS_METRICS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...extra,
  };
  return {
    env,
    config: loadConfig(env),
    schema,
    cleanup: async () => {
      await dropSchema(schema);
      await deleteRedisKeys([`test:${id}:*`, `test-${id}:*`, `{test:${id}:*`, `{test-${id}:*`]);
    },
  };
}

/** Removes a test's streams, queues and dedupe keys so the shared Redis does not fill up. */
export async function deleteRedisKeys(patterns: string[], url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const match of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/** Polls `probe` until it returns a truthy value or the time is up (then throws with `what`). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
