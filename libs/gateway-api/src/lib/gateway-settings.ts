import type { ApiKeyEntry } from './auth/api-keys';
import { GatewayBootError, parseMaxBody } from './configure-gateway-app';
import { DEFAULT_RATE_LIMIT, type GatewayModuleOptions, type GatewayRateLimit, type GatewaySecrets } from './gateway.options';

type Env = Record<string, string | undefined>;

/**
 * MOCKOPS_RATE_LIMIT: requests per minute and caller (`600`), or per window (`100/10s`), or `off`.
 */
export function parseRateLimit(raw: string | undefined): GatewayRateLimit | false {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RATE_LIMIT;
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === '0') return false;
  const m = /^(\d+)(?:\/(\d+)s)?$/.exec(text);
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) {
    throw new GatewayBootError(`MOCKOPS_RATE_LIMIT: expected requests per minute ("600"), "<n>/<seconds>s" or "off", got "${raw}"`);
  }
  return { limit: Number(m[1]), windowMs: (m[2] ? Number(m[2]) : 60) * 1000 };
}

/** The gateway's own settings from the environment (the shared ones come from @mockops/config). */
export interface GatewaySettings {
  host: string;
  maxBody: number;
  rateLimit: GatewayRateLimit | false;
  apiKeys?: string;
}

export function gatewaySettingsFromEnv(env: Env = process.env): GatewaySettings {
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    maxBody: parseMaxBody(env.MOCKOPS_MAX_BODY),
    rateLimit: parseRateLimit(env.MOCKOPS_RATE_LIMIT),
    apiKeys: env.MOCKOPS_API_KEYS,
  };
}

/**
 * The gateway's module options from opened infrastructure (the runtime's Infrastructure fits this
 * shape), so the standalone gateway and the all-in-one process wire it the same way.
 */
export function gatewayOptionsFrom(
  infra: Pick<GatewayModuleOptions, 'store' | 'publisher' | 'notifier' | 'redis' | 'dataSource' | 'advancer'> & {
    config?: { apiKeys?: string };
    secretStore?: GatewaySecrets['store'];
    secretResolver?: GatewaySecrets['resolver'];
  },
  settings: Partial<GatewaySettings> & { apiKeys?: string | ApiKeyEntry[] } = {},
): GatewayModuleOptions {
  return {
    store: infra.store,
    publisher: infra.publisher,
    notifier: infra.notifier,
    redis: infra.redis,
    dataSource: infra.dataSource,
    advancer: infra.advancer,
    secrets: infra.secretStore && infra.secretResolver ? { store: infra.secretStore, resolver: infra.secretResolver } : undefined,
    apiKeys: settings.apiKeys ?? infra.config?.apiKeys,
    rateLimit: settings.rateLimit,
  };
}
