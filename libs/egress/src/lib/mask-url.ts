/**
 * A URL safe to show in logs, errors and outputs: scheme, host and port stay; credentials, the query
 * and every path segment after the first are masked, because webhook URLs carry their token there
 * (`https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/services/***`).
 * A single path segment is masked too: it may be the token itself.
 */
export function maskUrl(url: string | URL): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '***';
  }
  const userinfo = u.username || u.password ? '***@' : '';
  const host = u.host;
  const segments = u.pathname.split('/').filter(Boolean);
  let path = '';
  if (segments.length === 1) path = '/***';
  else if (segments.length > 1) path = `/${segments[0]}/***`;
  const query = u.search ? '?***' : '';
  // Opaque URLs (mailto:, data:) have no host; show only the scheme.
  if (!host) return `${u.protocol}***`;
  return `${u.protocol}//${userinfo}${host}${path}${query}`;
}
