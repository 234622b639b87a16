import { ConfigError, loadConfig, secretsFromEnv } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.redisUrlExplicit).toBe(false);
    expect(c.port).toBe(3000);
    expect(c.eventsStream).toBe('mockops:events');
    expect(c.queuePrefix).toBe('mockops');
    expect(c.matcherStartId).toBe('$');
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', MOCKOPS_QUEUE_PREFIX: 'a b', MOCKOPS_AUTO_MIGRATE: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/MOCKOPS_QUEUE_PREFIX/);
    expect(problems).toMatch(/MOCKOPS_AUTO_MIGRATE/);
  });

  it('reads secrets from MOCKOPS_SECRET_* and the well-known credentials', () => {
    expect(secretsFromEnv({ MOCKOPS_SECRET_GH: 't', GITHUB_TOKEN: 'g', OTHER: 'x' })).toEqual({ GH: 't', GITHUB_TOKEN: 'g' });
  });
});
