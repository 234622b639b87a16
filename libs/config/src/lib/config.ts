import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EgressAllowList, EgressError } from '@mockops/egress';
import { STEP_TYPES, stepTypeDefinition, type StepType } from '@mockops/pipeline-core';
import { parseApiKeys, type ApiKeyEntry, ApiKeyFormatError } from './api-keys';
import { loadTelemetryConfig, type TelemetryConfig } from './telemetry-config';

/** One AES-256 key for workspace secrets, with the id stored beside every value it encrypts. */
export interface SecretsKey {
  id: string;
  key: Buffer;
}

export interface RateLimit {
  /** Requests allowed per window and caller (API key, else client address). */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 600, windowMs: 60_000 };
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The process configuration, read once from the environment by `loadConfig` and validated at boot:
 * a bad value stops the process with every problem listed (fail fast). Nothing else reads the
 * environment; each part of the system gets its section.
 */
export interface MockopsConfig {
  database: {
    /** Unset: the store starts an embedded Postgres (pglite) under `dataDir`. */
    url?: string;
    /** Postgres schema the store uses (tests use one per run). */
    schema: string;
    /** Apply pending migrations at boot; when false, pending migrations stop the boot. */
    autoMigrate: boolean;
    /**
     * Most connections this process opens (MOCKOPS_DB_POOL_SIZE). Unset: sized from what the process
     * runs (one per step worker slot, plus the matcher's and the API's), see runtime's poolSizeFor.
     */
    poolSize?: number;
  };
  retention: {
    /**
     * MOCKOPS_RETENTION_DAYS: executions (with their step runs and artifacts) are deleted by dropping
     * their month partition once the whole month is older than this many days, checked at boot and
     * daily. Null (unset): kept forever.
     */
    days: number | null;
  };
  redis: {
    url: string;
    /** Whether REDIS_URL was given (the one-process mode may start a local redis-server otherwise). */
    explicit: boolean;
    /**
     * MOCKOPS_REDIS_CLUSTER: REDIS_URL names one node of a Redis Cluster (its credentials and TLS apply
     * to every node); the client discovers the others and routes each key to its slot.
     */
    cluster: boolean;
  };
  gateway: {
    host: string;
    port: number;
    /** Request body limit in bytes (MOCKOPS_MAX_BODY). */
    maxBody: number;
    rateLimit: RateLimit | false;
    /** MOCKOPS_API_KEYS, parsed; empty: the open loopback-only mode. */
    apiKeys: ApiKeyEntry[];
  };
  events: {
    /** The event stream; with several partitions, partition 0's name (see `partitions`). */
    stream: string;
    /**
     * Partitions of the event stream (MOCKOPS_EVENTS_PARTITIONS, default 1: the one stream `stream`).
     * Producers pick one by a hash of the workspace id; the matcher consumes all (event-stream's
     * partitionStreamsOf names them).
     */
    partitions: number;
    /** Approximate cap of the stream (XADD MAXLEN ~). */
    maxLen: number;
    /** Largest event (envelope JSON, UTF-8 bytes), the same on the gateway and on the stream. */
    maxBytes: number;
  };
  queues: { prefix: string };
  matcher: {
    batchSize: number;
    blockMs: number;
    /** Pending stream entries idle this long (crashed matcher) are reclaimed by another replica. */
    claimIdleMs: number;
    /** Where a new consumer group starts: `$` (new events only) or `0` (the whole stream). */
    startId: string;
    /** Full reload of the pipeline index, as a safety net next to change notifications. */
    reloadMs: number;
  };
  workers: {
    /** Step-run lease: a worker that stops renewing it (crash) loses the step after this long. */
    leaseMs: number;
    /** Jobs at a time per worker process, per step type (MOCKOPS_WORKER_CONCURRENCY, MOCKOPS_CONCURRENCY_<TYPE>). */
    concurrency: Record<StepType, number>;
    /** On SIGTERM, how long running steps may take to finish before they are aborted. */
    shutdownGraceMs: number;
  };
  /** Private hosts/addresses outbound calls may reach (MOCKOPS_EGRESS_ALLOW). */
  egress: { allow: EgressAllowList };
  secrets: {
    /** MOCKOPS_SECRETS_KEY: the first encrypts, all decrypt. Empty: workspace secrets cannot be stored. */
    keys: SecretsKey[];
    /** Operator credentials shared with workspaces: name → workspaces, or `*` for every workspace. */
    shared: Record<string, string[] | '*'>;
    /** The operator's process-wide secrets: MOCKOPS_SECRET_<NAME> and the well-known credentials. */
    operator: Record<string, string>;
  };
  /** Settings of each step type's handler. */
  steps: {
    notify: { emailFrom?: string };
    createPr: { githubApiUrl?: string };
    regenerateSdk: {
      specRoot: string;
      artifactsDir: string;
      /** Heap cap of the worker thread generating one SDK set (MOCKOPS_SDK_MAX_HEAP_MB). */
      maxHeapMb: number;
      /** Time budget of one generation (MOCKOPS_SDK_TIMEOUT_MS); the step's own timeout also stops it. */
      timeoutMs: number;
    };
    autoPromote: { promotionWebhookUrl?: string };
  };
  /** Metrics port, tracing (OTLP) and log format. */
  telemetry: TelemetryConfig;
  /** Local data: the embedded database, development keys, artifacts. */
  dataDir: string;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** The well-known credentials, readable by their own names as operator secrets. */
export const WELL_KNOWN_CREDENTIALS = ['SLACK_WEBHOOK_URL', 'SMTP_URL', 'GITHUB_TOKEN', 'WEBHOOK_SECRET'] as const;
const SECRET_PREFIX = 'MOCKOPS_SECRET_';

export function loadConfig(env: Env = process.env, opts: { stdoutIsTTY?: boolean } = { stdoutIsTTY: process.stdout.isTTY }): MockopsConfig {
  const problems: string[] = [];
  const str = (name: string, def?: string) => {
    const v = env[name];
    return v === undefined || v === '' ? def : v;
  };
  const int = (name: string, def: number, min: number, max: number) => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: expected an integer between ${min} and ${max}, got "${raw}"`);
      return def;
    }
    return n;
  };
  const bool = (name: string, def: boolean) => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}: expected true or false, got "${raw}"`);
    return def;
  };
  const url = (name: string, protocols: string[], def?: string) => {
    const raw = str(name, def);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) problems.push(`${name}: expected a ${protocols.join(' or ')} URL`);
    } catch {
      problems.push(`${name}: not a valid URL`);
    }
    return raw;
  };

  const dataDir = resolve(str('MOCKOPS_DATA_DIR', '.mockops')!);
  // One number for every step type, else each type's default from the registry.
  const workerConcurrency = str('MOCKOPS_WORKER_CONCURRENCY') === undefined ? undefined : int('MOCKOPS_WORKER_CONCURRENCY', 4, 1, 256);
  const config: MockopsConfig = {
    database: {
      url: url('DATABASE_URL', ['postgres:', 'postgresql:']),
      schema: str('MOCKOPS_DB_SCHEMA', 'public')!,
      autoMigrate: bool('MOCKOPS_AUTO_MIGRATE', true),
      poolSize: str('MOCKOPS_DB_POOL_SIZE') === undefined ? undefined : int('MOCKOPS_DB_POOL_SIZE', 10, 1, 1000),
    },
    retention: { days: str('MOCKOPS_RETENTION_DAYS') === undefined ? null : int('MOCKOPS_RETENTION_DAYS', 0, 1, 36_500) },
    redis: {
      url: url('REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379')!,
      explicit: str('REDIS_URL') !== undefined,
      cluster: bool('MOCKOPS_REDIS_CLUSTER', false),
    },
    gateway: {
      host: str('HOST', '127.0.0.1')!.trim(),
      port: int('PORT', 3000, 0, 65535),
      maxBody: parseMaxBody(str('MOCKOPS_MAX_BODY'), problems),
      rateLimit: parseRateLimit(str('MOCKOPS_RATE_LIMIT'), problems),
      apiKeys: apiKeysOf(str('MOCKOPS_API_KEYS'), problems),
    },
    events: {
      stream: str('MOCKOPS_EVENTS_STREAM', 'mockops:events')!,
      partitions: int('MOCKOPS_EVENTS_PARTITIONS', 1, 1, 1024),
      maxLen: int('MOCKOPS_EVENTS_MAXLEN', 1_000_000, 1_000, 1_000_000_000),
      maxBytes: int('MOCKOPS_EVENT_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    queues: { prefix: str('MOCKOPS_QUEUE_PREFIX', 'mockops')! },
    matcher: {
      batchSize: int('MOCKOPS_MATCHER_BATCH', 100, 1, 10_000),
      blockMs: int('MOCKOPS_MATCHER_BLOCK_MS', 2_000, 10, 60_000),
      claimIdleMs: int('MOCKOPS_MATCHER_CLAIM_IDLE_MS', 30_000, 100, 3_600_000),
      startId: str('MOCKOPS_MATCHER_START', '$')!,
      reloadMs: int('MOCKOPS_MATCHER_RELOAD_MS', 60_000, 1_000, 86_400_000),
    },
    workers: {
      leaseMs: int('MOCKOPS_STEP_LEASE_MS', 30_000, 1_000, 3_600_000),
      concurrency: Object.fromEntries(
        STEP_TYPES.map((type) => [type, int(`MOCKOPS_CONCURRENCY_${type.toUpperCase()}`, workerConcurrency ?? stepTypeDefinition(type)!.defaultConcurrency, 1, 256)]),
      ) as Record<StepType, number>,
      shutdownGraceMs: int('MOCKOPS_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    },
    egress: { allow: egressAllowOf(str('MOCKOPS_EGRESS_ALLOW'), problems) },
    secrets: {
      keys: parseSecretsKeys(str('MOCKOPS_SECRETS_KEY'), problems),
      shared: parseSharedSecrets(str('MOCKOPS_SHARED_SECRETS'), problems),
      operator: operatorSecrets(env),
    },
    steps: {
      notify: { emailFrom: str('MOCKOPS_EMAIL_FROM') },
      createPr: { githubApiUrl: url('GITHUB_API_URL', ['https:', 'http:'])?.replace(/\/+$/, '') },
      regenerateSdk: {
        specRoot: resolve(str('MOCKOPS_SPEC_ROOT', '.')!),
        artifactsDir: resolve(str('MOCKOPS_ARTIFACTS_DIR', `${dataDir}/artifacts`)!),
        maxHeapMb: int('MOCKOPS_SDK_MAX_HEAP_MB', 1024, 64, 16_384),
        timeoutMs: int('MOCKOPS_SDK_TIMEOUT_MS', 300_000, 1_000, 3_600_000),
      },
      autoPromote: { promotionWebhookUrl: url('MOCKOPS_PROMOTION_WEBHOOK_URL', ['https:', 'http:']) },
    },
    telemetry: loadTelemetryConfig(env, { stdoutIsTTY: opts.stdoutIsTTY, problems }),
    dataDir,
    logLevel: str('LOG_LEVEL', 'log')!,
  };
  url('SLACK_WEBHOOK_URL', ['https:', 'http:']);
  url('SMTP_URL', ['smtp:', 'smtps:']);
  for (const name of Object.keys(env)) {
    const m = /^MOCKOPS_CONCURRENCY_(.+)$/.exec(name);
    if (m && !(STEP_TYPES as readonly string[]).includes(m[1].toLowerCase())) {
      problems.push(`${name}: no step type "${m[1].toLowerCase()}" (known: ${STEP_TYPES.join(', ')})`);
    }
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(config.queues.prefix)) problems.push('MOCKOPS_QUEUE_PREFIX: letters, digits, _ . - only');
  // The stream's co-keys carry it as their Redis Cluster hash tag ({<stream>}:dead...): no braces of its own.
  if (/[{}\s]/.test(config.events.stream)) problems.push('MOCKOPS_EVENTS_STREAM: no braces or spaces (the co-keys add the Redis Cluster hash tag)');
  if (!/^[a-z_][a-z0-9_]*$/.test(config.database.schema)) problems.push('MOCKOPS_DB_SCHEMA: a lower-case SQL identifier');
  if (!['$', '0'].includes(config.matcher.startId)) problems.push('MOCKOPS_MATCHER_START: "$" or "0"');
  if (str('MOCKOPS_SPEC_ROOT') && !existsSync(config.steps.regenerateSdk.specRoot)) {
    problems.push(`MOCKOPS_SPEC_ROOT: ${config.steps.regenerateSdk.specRoot} does not exist`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function apiKeysOf(raw: string | undefined, problems: string[]): ApiKeyEntry[] {
  try {
    return parseApiKeys(raw);
  } catch (e) {
    if (!(e instanceof ApiKeyFormatError)) throw e;
    problems.push(...e.problems.map((p) => `MOCKOPS_API_KEYS: ${p}`));
    return [];
  }
}

function egressAllowOf(raw: string | undefined, problems: string[]): EgressAllowList {
  try {
    return EgressAllowList.parse(raw);
  } catch (e) {
    if (!(e instanceof EgressError)) throw e;
    problems.push(`MOCKOPS_EGRESS_ALLOW: ${e.message}`);
    return EgressAllowList.empty();
  }
}

/** MOCKOPS_MAX_BODY: bytes, or a number with kb/mb (binary units, as body-parser reads them). */
export function parseMaxBody(raw: string | undefined, problems: string[] = []): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_BODY_BYTES;
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!m) {
    problems.push(`MOCKOPS_MAX_BODY: expected bytes or a size like "512kb" or "2mb", got "${raw}"`);
    return DEFAULT_MAX_BODY_BYTES;
  }
  const n = Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  if (n < 1024) {
    problems.push('MOCKOPS_MAX_BODY: must be at least 1kb');
    return DEFAULT_MAX_BODY_BYTES;
  }
  return n;
}

/** MOCKOPS_RATE_LIMIT: requests per minute and caller (`600`), or per window (`100/10s`), or `off`. */
export function parseRateLimit(raw: string | undefined, problems: string[] = []): RateLimit | false {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RATE_LIMIT;
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === '0') return false;
  const m = /^(\d+)(?:\/(\d+)s)?$/.exec(text);
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) {
    problems.push(`MOCKOPS_RATE_LIMIT: expected requests per minute ("600"), "<n>/<seconds>s" or "off", got "${raw}"`);
    return DEFAULT_RATE_LIMIT;
  }
  return { limit: Number(m[1]), windowMs: (m[2] ? Number(m[2]) : 60) * 1000 };
}

/**
 * MOCKOPS_SECRETS_KEY: comma-separated keys, the first one encrypts. Each is 32 random bytes in
 * base64 or hex (`openssl rand -base64 32`), optionally prefixed with an id (`2026-11:<key>`); without
 * one the id is derived from the key. To rotate: put the new key first, restart, run
 * `mockforge secrets rotate-key`, then drop the old key.
 */
export function parseSecretsKeys(raw: string | undefined, problems: string[] = []): SecretsKey[] {
  if (!raw) return [];
  const keys: SecretsKey[] = [];
  raw.split(',').forEach((part, i) => {
    const entry = part.trim();
    if (!entry) return;
    const sep = entry.lastIndexOf(':');
    const material = sep === -1 ? entry : entry.slice(sep + 1);
    const hex = /^[0-9a-f]{64}$/i.test(material);
    const key = hex ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
    if (key.length !== 32 || (!hex && key.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, ''))) {
      problems.push(`MOCKOPS_SECRETS_KEY: key ${i + 1} is not 32 bytes in base64 or hex (make one with: openssl rand -base64 32)`);
      return;
    }
    const id = sep === -1 ? `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}` : entry.slice(0, sep);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) problems.push(`MOCKOPS_SECRETS_KEY: key id "${id}" must be letters, digits, _ . -`);
    else if (keys.some((k) => k.id === id)) problems.push(`MOCKOPS_SECRETS_KEY: key id "${id}" is listed twice`);
    else keys.push({ id, key });
  });
  return keys;
}

/** MOCKOPS_SHARED_SECRETS: `GITHUB_TOKEN=ws-a|ws-b,SLACK_WEBHOOK_URL=*`. */
export function parseSharedSecrets(raw: string | undefined, problems: string[] = []): Record<string, string[] | '*'> {
  const out: Record<string, string[] | '*'> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (!entry) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(entry);
    if (!m) {
      problems.push(`MOCKOPS_SHARED_SECRETS: "${entry}" is not NAME=workspace|workspace or NAME=*`);
      continue;
    }
    const workspaces = m[2]
      .split('|')
      .map((w) => w.trim())
      .filter(Boolean);
    if (workspaces.includes('*')) out[m[1]] = '*';
    else if (workspaces.some((w) => !/^[A-Za-z0-9_.:-]+$/.test(w))) problems.push(`MOCKOPS_SHARED_SECRETS: invalid workspace id in "${entry}"`);
    else out[m[1]] = workspaces;
  }
  return out;
}

/**
 * The operator's secrets: every `MOCKOPS_SECRET_<NAME>` variable, plus the well-known credentials
 * (SLACK_WEBHOOK_URL, SMTP_URL, GITHUB_TOKEN, WEBHOOK_SECRET) under their own
 * names, so handlers can fall back to them for global pipelines and the workspaces they are shared with.
 */
export function operatorSecrets(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of WELL_KNOWN_CREDENTIALS) {
    const v = env[name];
    if (v) out[name] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(SECRET_PREFIX) && v) out[k.slice(SECRET_PREFIX.length)] = v;
  }
  return out;
}
