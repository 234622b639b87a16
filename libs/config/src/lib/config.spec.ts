import { ConfigError, isSharedWith, loadConfig, parseSecretsKeys, parseSharedSecrets, secretsFromEnv } from './config';

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

describe('MOCKOPS_SECRETS_KEY and MOCKOPS_SHARED_SECRETS', () => {
  const k1 = Buffer.alloc(32, 1).toString('base64');
  const k2hex = Buffer.alloc(32, 2).toString('hex');

  it('reads keys in base64 or hex, the first one active, ids given or derived', () => {
    const keys = parseSecretsKeys(`2026-11:${k1}, ${k2hex}`);
    expect(keys.map((k) => k.id)).toEqual(['2026-11', expect.stringMatching(/^k[0-9a-f]{8}$/)]);
    expect(keys[1].key).toEqual(Buffer.alloc(32, 2));
    expect(loadConfig({ MOCKOPS_SECRETS_KEY: k1 }).secretsKeys).toHaveLength(1);
    expect(loadConfig({}).secretsKeys).toEqual([]);
  });

  it('refuses keys that are not 32 bytes, and repeated ids', () => {
    const problems: string[] = [];
    parseSecretsKeys(`short, a:${k1}, a:${k1}, ${Buffer.alloc(16).toString('base64')}`, problems);
    expect(problems).toEqual([
      expect.stringMatching(/key 1 is not 32 bytes/),
      expect.stringMatching(/"a" is listed twice/),
      expect.stringMatching(/key 4 is not 32 bytes/),
    ]);
    expect(() => loadConfig({ MOCKOPS_SECRETS_KEY: 'nope' })).toThrow(ConfigError);
  });

  it('shares named operator credentials with named workspaces, or all', () => {
    const shared = parseSharedSecrets('GITHUB_TOKEN=ws-a|ws-b, SLACK_WEBHOOK_URL=*');
    expect(isSharedWith(shared, 'GITHUB_TOKEN', 'ws-a')).toBe(true);
    expect(isSharedWith(shared, 'GITHUB_TOKEN', 'ws-c')).toBe(false);
    expect(isSharedWith(shared, 'SLACK_WEBHOOK_URL', 'anyone')).toBe(true);
    expect(isSharedWith(shared, 'SMTP_URL', 'ws-a')).toBe(false);
    expect(() => loadConfig({ MOCKOPS_SHARED_SECRETS: 'GITHUB_TOKEN' })).toThrow(/MOCKOPS_SHARED_SECRETS/);
  });

  it('caps events at 1 MiB by default (MOCKOPS_EVENT_MAX_BYTES)', () => {
    expect(loadConfig({}).eventMaxBytes).toBe(1024 * 1024);
    expect(loadConfig({ MOCKOPS_EVENT_MAX_BYTES: '2048' }).eventMaxBytes).toBe(2048);
  });
});
