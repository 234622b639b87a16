import { redactSecrets } from '@mockops/pipeline-core';

/** Config keys whose values are credentials even when written literally in the YAML. */
const SENSITIVE_KEYS = /^(slack_webhook_url|webhook_url|webhook_secret|smtp_url|token|password|api_key|secret)$/i;

/** `https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/***`: host kept, rest masked. */
export function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}/***`;
  } catch {
    return '***';
  }
}

/** Values of sensitive keys anywhere in a config (collected so logs and errors can be scrubbed too). */
export function sensitiveValues(config: unknown, out: string[] = []): string[] {
  if (Array.isArray(config)) config.forEach((v) => sensitiveValues(v, out));
  else if (config && typeof config === 'object') {
    for (const [k, v] of Object.entries(config)) {
      if (SENSITIVE_KEYS.test(k) && typeof v === 'string' && v.length > 0) {
        out.push(v);
        // A URL's userinfo (SMTP password) must go even when the URL appears in a different form.
        try {
          const u = new URL(v);
          if (u.password) out.push(decodeURIComponent(u.password), u.password);
        } catch {
          // not a URL
        }
      } else sensitiveValues(v, out);
    }
  }
  return out;
}

/** The config as stored: sensitive keys masked, then any secret value left anywhere replaced. */
export function redactConfig(config: unknown, secretValues: string[]): unknown {
  const masked = maskSensitiveKeys(config);
  return redactSecrets(masked, secretValues);
}

function maskSensitiveKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSensitiveKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEYS.test(k) && typeof v === 'string' ? (/^[a-z]+:\/\//i.test(v) ? maskUrl(v) : '***') : maskSensitiveKeys(v);
    }
    return out;
  }
  return value;
}

/** Scrubs every secret value out of a free text (log line, error message). */
export function scrubText(text: string, secretValues: string[]): string {
  let out = text;
  for (const s of secretValues) {
    if (s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}
