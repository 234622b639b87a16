import { maskUrl } from '@mockops/egress';
import { isCredentialField, redactSecrets, stringProblem, type PathSegment } from '@mockops/pipeline-core';

/**
 * Keys whose values are credentials even when written literally in the YAML (besides the credential
 * fields each step type declares in pipeline-core).
 */
const SENSITIVE_KEYS = /^(slack_webhook_url|webhook_url|webhook_secret|smtp_url|token|password|api_key|secret)$/i;

function isSensitive(stepType: string, path: PathSegment[]): boolean {
  const key = path[path.length - 1];
  return (typeof key === 'string' && SENSITIVE_KEYS.test(key)) || isCredentialField(stepType, path);
}

/** Values of credential fields anywhere in a config (collected so logs and errors can be scrubbed too). */
export function sensitiveValues(stepType: string, config: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (typeof v === 'string') {
      if (!path.length || !isSensitive(stepType, path) || v.length === 0) return;
      out.push(v);
      // A URL's userinfo (SMTP password) must go even when the URL appears in a different form.
      try {
        const u = new URL(v);
        if (u.password) out.push(decodeURIComponent(u.password), u.password);
      } catch {
        // not a URL
      }
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(config, []);
  return out;
}

/** The config as stored: credential fields masked, then any secret value left anywhere replaced. */
export function redactConfig(stepType: string, config: unknown, secretValues: string[]): unknown {
  const mask = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') return path.length && isSensitive(stepType, path) ? (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? maskUrl(v) : '***') : v;
    if (Array.isArray(v)) return v.map((item, i) => mask(item, [...path, i]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = mask(item, [...path, k]);
      return out;
    }
    return v;
  };
  return redactSecrets(mask(config, []), withEncodings(secretValues));
}

/** A secret as it may appear in a log line or an error: as is, URL-encoded, base64. */
function withEncodings(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of values) {
    if (typeof s !== 'string' || s.length < 4) continue;
    out.push(s);
    if (s.length >= 8) {
      const encoded = encodeURIComponent(s);
      if (encoded !== s) out.push(encoded);
      out.push(Buffer.from(s, 'utf8').toString('base64').replace(/=+$/, ''));
    }
  }
  return out;
}

/** Scrubs every secret value (and its URL-encoded and base64 forms) out of a free text (log line, error message). */
export function scrubText(text: string, secretValues: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const s of withEncodings(secretValues).sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/**
 * Deeply replaces what Postgres cannot store in text/jsonb — NUL and unpaired surrogates, e.g. from
 * a hostile peer's response quoted in an output — with U+FFFD, so recording a result cannot fail.
 */
export function toStorable<T>(value: T): T {
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return stringProblem(v) ? toWellFormed(v) : v;
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[fix(k) as string] = fix(item);
      return out;
    }
    return v;
  };
  return fix(value) as T;
}

function toWellFormed(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) out += '\uFFFD';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\uFFFD';
    else out += s[i];
  }
  return out;
}
