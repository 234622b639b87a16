import { STEP_TYPES, isSharedWith, stepTypeDefinition } from '@mockops/pipeline-core';
import { ConfigError, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, loadConfig, operatorSecrets, parseMaxBody, parseRateLimit, parseSecretsKeys, parseSharedSecrets } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.database.url).toBeUndefined();
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', explicit: false, cluster: false });
    expect(loadConfig({ MOCKOPS_REDIS_CLUSTER: 'true', REDIS_URL: 'redis://10.0.0.5:7000' }).redis).toEqual({ url: 'redis://10.0.0.5:7000', explicit: true, cluster: true });
    expect(c.gateway).toMatchObject({ host: '127.0.0.1', port: 3000, maxBody: 1024 * 1024, rateLimit: { limit: 600, windowMs: 60_000 }, apiKeys: [] });
    expect(c.events.stream).toBe('mockops:events');
    expect(c.events.partitions).toBe(1);
    expect(loadConfig({ MOCKOPS_EVENTS_PARTITIONS: '16' }).events.partitions).toBe(16);
    expect(c.queues.prefix).toBe('mockops');
    expect(c.matcher.startId).toBe('$');
    // Each step type's default from the registry: 4, and 1 for the CPU-bound SDK generation.
    expect(c.workers.concurrency).toEqual(Object.fromEntries(STEP_TYPES.map((t) => [t, stepTypeDefinition(t)!.defaultConcurrency])));
    expect(c.workers.concurrency).toMatchObject({ regenerate_sdk: 1, notify: 4 });
    // One number for all, then one per type.
    const set = loadConfig({ MOCKOPS_WORKER_CONCURRENCY: '8', MOCKOPS_CONCURRENCY_NOTIFY: '16' }).workers.concurrency;
    expect(set).toMatchObject({ regenerate_sdk: 8, notify: 16, create_pr: 8 });
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      MOCKOPS_QUEUE_PREFIX: 'a b',
      MOCKOPS_AUTO_MIGRATE: 'maybe',
      MOCKOPS_EGRESS_ALLOW: '10.0.0.0/99',
      MOCKOPS_API_KEYS: 'short:admin',
      MOCKOPS_CONCURRENCY_SMOKE_SIGNALS: '2',
      MOCKOPS_RATE_LIMIT: 'lots',
      MOCKOPS_EVENTS_PARTITIONS: '0',
      MOCKOPS_EVENTS_STREAM: '{mockops}:events',
    });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/MOCKOPS_QUEUE_PREFIX/);
    expect(problems).toMatch(/MOCKOPS_AUTO_MIGRATE/);
    expect(problems).toMatch(/MOCKOPS_EGRESS_ALLOW/);
    expect(problems).toMatch(/MOCKOPS_API_KEYS: entry 1: a key needs at least 8 characters/);
    expect(problems).toMatch(/MOCKOPS_CONCURRENCY_SMOKE_SIGNALS: no step type "smoke_signals"/);
    expect(problems).toMatch(/MOCKOPS_RATE_LIMIT/);
    expect(problems).toMatch(/MOCKOPS_EVENTS_PARTITIONS: expected an integer between 1 and 1024/);
    expect(problems).toMatch(/MOCKOPS_EVENTS_STREAM: no braces/);
  });

  it('gives each step type its own concurrency, defaulting to MOCKOPS_WORKER_CONCURRENCY', () => {
    // Every step type of the registry, the one named on its own setting.
    expect(loadConfig({ MOCKOPS_WORKER_CONCURRENCY: '8', MOCKOPS_CONCURRENCY_NOTIFY: '32' }).workers.concurrency).toEqual(
      Object.fromEntries(STEP_TYPES.map((t) => [t, t === 'notify' ? 32 : 8])),
    );
    expect(STEP_TYPES).toEqual(expect.arrayContaining(['regenerate_sdk', 'auto_promote', 'notify', 'create_pr']));
  });

  it('reads secrets from MOCKOPS_SECRET_* and the well-known credentials', () => {
    expect(operatorSecrets({ MOCKOPS_SECRET_GH: 't', GITHUB_TOKEN: 'g', OTHER: 'x' })).toEqual({ GH: 't', GITHUB_TOKEN: 'g' });
    expect(loadConfig({ MOCKOPS_SECRET_GH: 't' }).secrets.operator).toEqual({ GH: 't' });
  });
});

describe('MOCKOPS_SECRETS_KEY and MOCKOPS_SHARED_SECRETS', () => {
  const k1 = Buffer.alloc(32, 1).toString('base64');
  const k2hex = Buffer.alloc(32, 2).toString('hex');

  it('reads keys in base64 or hex, the first one active, ids given or derived', () => {
    const keys = parseSecretsKeys(`2026-11:${k1}, ${k2hex}`);
    expect(keys.map((k) => k.id)).toEqual(['2026-11', expect.stringMatching(/^k[0-9a-f]{8}$/)]);
    expect(keys[1].key).toEqual(Buffer.alloc(32, 2));
    expect(loadConfig({ MOCKOPS_SECRETS_KEY: k1 }).secrets.keys).toHaveLength(1);
    expect(loadConfig({}).secrets.keys).toEqual([]);
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
    expect(loadConfig({}).events.maxBytes).toBe(1024 * 1024);
    expect(loadConfig({ MOCKOPS_EVENT_MAX_BYTES: '2048' }).events.maxBytes).toBe(2048);
  });

  it('MOCKOPS_RETENTION_DAYS: unset keeps executions forever, else a positive number of days', () => {
    expect(loadConfig({}).retention).toEqual({ days: null });
    expect(loadConfig({ MOCKOPS_RETENTION_DAYS: '' }).retention).toEqual({ days: null });
    expect(loadConfig({ MOCKOPS_RETENTION_DAYS: '90' }).retention).toEqual({ days: 90 });
    for (const bad of ['0', '-5', '1.5', 'forever']) {
      expect(() => loadConfig({ MOCKOPS_RETENTION_DAYS: bad })).toThrow(/MOCKOPS_RETENTION_DAYS: expected an integer between 1 and 36500/);
    }
  });
});

describe('gateway settings', () => {
  const problemsOf = (fn: (problems: string[]) => unknown) => {
    const problems: string[] = [];
    fn(problems);
    return problems;
  };

  it('MOCKOPS_MAX_BODY: bytes or kb/mb, 1 MB by default', () => {
    expect(parseMaxBody(undefined)).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(parseMaxBody('2mb')).toBe(2 * 1024 * 1024);
    expect(parseMaxBody('512KB')).toBe(512 * 1024);
    expect(parseMaxBody('4096')).toBe(4096);
    expect(problemsOf((p) => parseMaxBody('lots', p))).toEqual([expect.stringMatching(/MOCKOPS_MAX_BODY/)]);
    expect(problemsOf((p) => parseMaxBody('10', p))).toEqual([expect.stringMatching(/at least 1kb/)]);
  });

  it('MOCKOPS_RATE_LIMIT: per minute, per window, or off', () => {
    expect(parseRateLimit(undefined)).toEqual(DEFAULT_RATE_LIMIT);
    expect(parseRateLimit('120')).toEqual({ limit: 120, windowMs: 60_000 });
    expect(parseRateLimit('100/10s')).toEqual({ limit: 100, windowMs: 10_000 });
    expect(parseRateLimit('off')).toBe(false);
    expect(problemsOf((p) => parseRateLimit('fast', p))).toEqual([expect.stringMatching(/MOCKOPS_RATE_LIMIT/)]);
    expect(problemsOf((p) => parseRateLimit('5/0s', p))).toEqual([expect.stringMatching(/MOCKOPS_RATE_LIMIT/)]);
  });

  it('HOST defaults to loopback; API keys are parsed at boot', () => {
    expect(loadConfig({}).gateway.host).toBe('127.0.0.1');
    const c = loadConfig({ HOST: '0.0.0.0', MOCKOPS_API_KEYS: 'a-long-key-1:admin' });
    expect(c.gateway.host).toBe('0.0.0.0');
    expect(c.gateway.apiKeys).toEqual([{ key: 'a-long-key-1', workspaces: null }]);
  });
});

describe('telemetry section', () => {
  it('defaults: metrics on 9464, sampled every 15 s, tracing off, JSON logs unless stdout is a terminal', () => {
    const c = loadConfig({}, { stdoutIsTTY: false });
    expect(c.telemetry).toEqual({ metricsPort: 9464, sampleMs: 15_000, tracing: { endpoint: undefined, serviceName: undefined }, logFormat: 'json' });
    expect(loadConfig({}, { stdoutIsTTY: true }).telemetry.logFormat).toBe('pretty');
    expect(loadConfig({ MOCKOPS_LOG_FORMAT: 'json' }, { stdoutIsTTY: true }).telemetry.logFormat).toBe('json');
  });

  it('reads the OTLP endpoint and service name, and refuses bad values with the rest', () => {
    const c = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_SERVICE_NAME: 'gw-1', MOCKOPS_METRICS_PORT: '0' });
    expect(c.telemetry.tracing).toEqual({ endpoint: 'http://otel-collector:4318', serviceName: 'gw-1' });
    expect(c.telemetry.metricsPort).toBe(0);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x', MOCKOPS_METRICS_PORT: '70000', MOCKOPS_LOG_FORMAT: 'xml', MOCKOPS_METRICS_SAMPLE_MS: '60000' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT[\s\S]*MOCKOPS_LOG_FORMAT[\s\S]*MOCKOPS_METRICS_PORT[\s\S]*MOCKOPS_METRICS_SAMPLE_MS/,
    );
  });
});
