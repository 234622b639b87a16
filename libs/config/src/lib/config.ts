import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** One AES-256 key for workspace secrets, with the id stored beside every value it encrypts. */
export interface SecretsKey {
  id: string;
  key: Buffer;
}

/**
 * The process configuration, read once from the environment and validated at boot: a bad value stops
 * the process with every problem listed (fail fast), instead of surfacing later as a runtime error.
 */
export interface MockopsConfig {
  /** Unset: the store starts an embedded Postgres (pglite) under `dataDir`. */
  databaseUrl?: string;
  /** Postgres schema the store uses (tests use one per run). */
  databaseSchema: string;
  /** Apply pending migrations at boot (default true); when false, pending migrations stop the boot. */
  autoMigrate: boolean;
  redisUrl: string;
  /** Whether REDIS_URL was given explicitly (the one-process mode may start a local redis-server otherwise). */
  redisUrlExplicit: boolean;
  port: number;
  host: string;
  eventsStream: string;
  eventsMaxLen: number;
  queuePrefix: string;
  egressAllow: string;
  smtpUrl?: string;
  slackWebhookUrl?: string;
  githubToken?: string;
  githubApiUrl?: string;
  apiKeys?: string;
  specRoot: string;
  artifactsDir: string;
  dataDir: string;
  /** Step-run lease: a worker that stops renewing it (crash) loses the step after this long. */
  stepLeaseMs: number;
  workerConcurrency: number;
  /** On SIGTERM, how long running steps may take to finish before they are aborted. */
  shutdownGraceMs: number;
  matcherBatchSize: number;
  matcherBlockMs: number;
  /** Pending stream entries idle this long (crashed matcher) are reclaimed by another replica. */
  matcherClaimIdleMs: number;
  /** Where a new consumer group starts: `$` (new events only) or `0` (the whole stream). */
  matcherStartId: string;
  /** Full reload of the pipeline index, as a safety net next to change notifications. */
  matcherReloadMs: number;
  logLevel: string;
  /** Largest event (envelope JSON, UTF-8 bytes), the same on the gateway and on the stream. */
  eventMaxBytes: number;
  /**
   * Keys for workspace secrets (MOCKOPS_SECRETS_KEY); the first encrypts, all decrypt (rotation).
   * Empty: workspace secrets cannot be stored (the one-process app generates a key for development).
   */
  secretsKeys: SecretsKey[];
  /**
   * Operator credentials shared with workspaces (MOCKOPS_SHARED_SECRETS): name → workspaces, or `*`
   * for every workspace. Unshared operator credentials are for global pipelines only.
   */
  sharedSecrets: Record<string, string[] | '*'>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): MockopsConfig {
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
  const stepLeaseMs = int('MOCKOPS_STEP_LEASE_MS', 30_000, 1_000, 3_600_000);
  const config: MockopsConfig = {
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseSchema: str('MOCKOPS_DB_SCHEMA', 'public')!,
    autoMigrate: bool('MOCKOPS_AUTO_MIGRATE', true),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379')!,
    redisUrlExplicit: str('REDIS_URL') !== undefined,
    port: int('PORT', 3000, 0, 65535),
    host: str('HOST', '127.0.0.1')!,
    eventsStream: str('MOCKOPS_EVENTS_STREAM', 'mockops:events')!,
    eventsMaxLen: int('MOCKOPS_EVENTS_MAXLEN', 1_000_000, 1_000, 1_000_000_000),
    queuePrefix: str('MOCKOPS_QUEUE_PREFIX', 'mockops')!,
    egressAllow: str('MOCKOPS_EGRESS_ALLOW', '')!,
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    slackWebhookUrl: url('SLACK_WEBHOOK_URL', ['https:', 'http:']),
    githubToken: str('GITHUB_TOKEN'),
    githubApiUrl: url('GITHUB_API_URL', ['https:', 'http:']),
    apiKeys: str('MOCKOPS_API_KEYS'),
    specRoot: resolve(str('MOCKOPS_SPEC_ROOT', '.')!),
    artifactsDir: resolve(str('MOCKOPS_ARTIFACTS_DIR', `${dataDir}/artifacts`)!),
    dataDir,
    stepLeaseMs,
    workerConcurrency: int('MOCKOPS_WORKER_CONCURRENCY', 4, 1, 256),
    shutdownGraceMs: int('MOCKOPS_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    matcherBatchSize: int('MOCKOPS_MATCHER_BATCH', 100, 1, 10_000),
    matcherBlockMs: int('MOCKOPS_MATCHER_BLOCK_MS', 2_000, 10, 60_000),
    matcherClaimIdleMs: int('MOCKOPS_MATCHER_CLAIM_IDLE_MS', 30_000, 100, 3_600_000),
    matcherStartId: str('MOCKOPS_MATCHER_START', '$')!,
    matcherReloadMs: int('MOCKOPS_MATCHER_RELOAD_MS', 60_000, 1_000, 86_400_000),
    logLevel: str('LOG_LEVEL', 'log')!,
    eventMaxBytes: int('MOCKOPS_EVENT_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    secretsKeys: parseSecretsKeys(str('MOCKOPS_SECRETS_KEY'), problems),
    sharedSecrets: parseSharedSecrets(str('MOCKOPS_SHARED_SECRETS'), problems),
  };
  if (!/^[A-Za-z0-9_.-]+$/.test(config.queuePrefix)) problems.push('MOCKOPS_QUEUE_PREFIX: letters, digits, _ . - only');
  if (!/^[a-z_][a-z0-9_]*$/.test(config.databaseSchema)) problems.push('MOCKOPS_DB_SCHEMA: a lower-case SQL identifier');
  if (!['$', '0'].includes(config.matcherStartId)) problems.push('MOCKOPS_MATCHER_START: "$" or "0"');
  if (str('MOCKOPS_SPEC_ROOT') && !existsSync(config.specRoot)) problems.push(`MOCKOPS_SPEC_ROOT: ${config.specRoot} does not exist`);
  if (problems.length) throw new ConfigError(problems);
  return config;
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
    const key = /^[0-9a-f]{64}$/i.test(material) ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
    if (key.length !== 32 || (!/^[0-9a-f]{64}$/i.test(material) && key.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, ''))) {
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
    const workspaces = m[2].split('|').map((w) => w.trim()).filter(Boolean);
    if (workspaces.includes('*')) out[m[1]] = '*';
    else if (workspaces.some((w) => !/^[A-Za-z0-9_.:-]+$/.test(w))) problems.push(`MOCKOPS_SHARED_SECRETS: invalid workspace id in "${entry}"`);
    else out[m[1]] = workspaces;
  }
  return out;
}

/** Whether the operator shared credential `name` with workspace `workspaceId`. */
export function isSharedWith(shared: Record<string, string[] | '*'>, name: string, workspaceId: string): boolean {
  const with_ = shared[name];
  return with_ === '*' || (Array.isArray(with_) && with_.includes(workspaceId));
}

const SECRET_PREFIX = 'MOCKOPS_SECRET_';

/**
 * Secrets for `{{secrets.NAME}}` templates and for handlers' `ctx.secret(NAME)`: every
 * `MOCKOPS_SECRET_<NAME>` variable, plus the product's well-known credentials (SLACK_WEBHOOK_URL,
 * SMTP_URL, GITHUB_TOKEN) under their own names so handlers can fall back to them.
 */
export function secretsFromEnv(env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['SLACK_WEBHOOK_URL', 'SMTP_URL', 'GITHUB_TOKEN', 'WEBHOOK_SECRET']) {
    const v = env[name];
    if (v) out[name] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(SECRET_PREFIX) && v) out[k.slice(SECRET_PREFIX.length)] = v;
  }
  return out;
}
