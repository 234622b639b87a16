import { DEFAULT_MAX_BODY_BYTES, GatewayBootError, parseMaxBody } from './configure-gateway-app';
import { DEFAULT_RATE_LIMIT } from './gateway.options';
import { gatewaySettingsFromEnv, parseRateLimit } from './gateway-settings';

describe('gateway settings from the environment', () => {
  it('MOCKOPS_MAX_BODY: bytes or kb/mb, 1 MB by default', () => {
    expect(parseMaxBody(undefined)).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(parseMaxBody('2mb')).toBe(2 * 1024 * 1024);
    expect(parseMaxBody('512KB')).toBe(512 * 1024);
    expect(parseMaxBody('4096')).toBe(4096);
    expect(() => parseMaxBody('lots')).toThrow(GatewayBootError);
    expect(() => parseMaxBody('10')).toThrow(/at least 1kb/);
  });

  it('MOCKOPS_RATE_LIMIT: per minute, per window, or off', () => {
    expect(parseRateLimit(undefined)).toEqual(DEFAULT_RATE_LIMIT);
    expect(parseRateLimit('120')).toEqual({ limit: 120, windowMs: 60_000 });
    expect(parseRateLimit('100/10s')).toEqual({ limit: 100, windowMs: 10_000 });
    expect(parseRateLimit('off')).toBe(false);
    expect(() => parseRateLimit('fast')).toThrow(/MOCKOPS_RATE_LIMIT/);
    expect(() => parseRateLimit('5/0s')).toThrow(/MOCKOPS_RATE_LIMIT/);
  });

  it('HOST defaults to loopback', () => {
    expect(gatewaySettingsFromEnv({}).host).toBe('127.0.0.1');
    expect(gatewaySettingsFromEnv({ HOST: '0.0.0.0', MOCKOPS_API_KEYS: 'k' }).host).toBe('0.0.0.0');
  });
});
