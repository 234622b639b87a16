import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '@mockops/testing';
import { ensureRedis } from './redis';

// One-process mode's Redis: use the one that answers, else start redis-server from the PATH.
describe('ensureRedis', () => {
  it('uses a Redis that answers without starting anything', async () => {
    const ensured = await ensureRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', false, tmpdir());
    expect(ensured.child).toBeUndefined();
  });

  const hasRedisServer = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

  it('starts a local redis-server when none answers and REDIS_URL was not given (else says how to get one)', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    if (!hasRedisServer) {
      await expect(ensureRedis(url, false, tmpdir())).rejects.toThrow(/no redis-server is on the PATH/);
      return;
    }
    const ensured = await ensureRedis(url, false, mkdtempSync(join(tmpdir(), 'mockops-redis-')));
    try {
      expect(ensured.child?.pid).toBeGreaterThan(0);
      const client = new Redis(url);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await ensured.stop();
    }
  });

  it('refuses an explicit REDIS_URL that does not answer', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(ensureRedis(url, true, tmpdir())).rejects.toThrow(/does not answer/);
  });
});
