// No imports on purpose: the apps' instrument.ts reads this section before anything that loads http,
// pg or ioredis (OpenTelemetry's instrumentations patch those modules only if they load after it).

type Env = Record<string, string | undefined>;

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** Metrics, traces and logs (README "Operating", docs/metrics.md). */
export interface TelemetryConfig {
  /** MOCKOPS_METRICS_PORT: where the headless apps serve GET /metrics (all interfaces); 0: any free port. */
  metricsPort: number;
  /** MOCKOPS_METRICS_SAMPLE_MS: how often the gateway samples the shared-state gauges (at most 15 s). */
  sampleMs: number;
  tracing: {
    /** OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP); unset or empty: tracing is off. */
    endpoint?: string;
    /** OTEL_SERVICE_NAME; default: the app's name. */
    serviceName?: string;
  };
  /** MOCKOPS_LOG_FORMAT: `json` (default), or `pretty` (default when stdout is a terminal). */
  logFormat: LogFormat;
}

export const DEFAULT_METRICS_PORT = 9464;

/** Reads the telemetry section; bad values are added to `problems` and replaced by their defaults. */
export function loadTelemetryConfig(env: Env = process.env, opts: { stdoutIsTTY?: boolean; problems?: string[] } = {}): TelemetryConfig {
  const problems = opts.problems ?? [];
  const str = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
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
  const endpoint = str('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint !== undefined) {
    try {
      const u = new URL(endpoint);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http or https URL (OTLP over HTTP)');
    } catch {
      problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: not a valid URL');
    }
  }
  const format = str('MOCKOPS_LOG_FORMAT')?.toLowerCase();
  if (format !== undefined && !LOG_FORMATS.includes(format as LogFormat)) problems.push(`MOCKOPS_LOG_FORMAT: "json" or "pretty", got "${format}"`);
  return {
    metricsPort: int('MOCKOPS_METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65535),
    sampleMs: int('MOCKOPS_METRICS_SAMPLE_MS', 15_000, 100, 15_000),
    tracing: { endpoint, serviceName: str('OTEL_SERVICE_NAME') },
    logFormat: LOG_FORMATS.includes(format as LogFormat) ? (format as LogFormat) : opts.stdoutIsTTY ? 'pretty' : 'json',
  };
}
