import { embeddedIpv4, inPrefix, IpBytes, parseIp } from './ip-address';
import { EgressError } from './egress-errors';

export const EGRESS_ALLOW_ENV = 'MOCKOPS_EGRESS_ALLOW';

type AllowEntry =
  | { kind: 'host'; name: string }
  | { kind: 'domain'; suffix: string }
  | { kind: 'network'; family: 4 | 6; bytes: Uint8Array; prefix: number };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * The operator's exceptions to the SSRF guard (MOCKOPS_EGRESS_ALLOW): hosts (`mail.internal`),
 * subdomain wildcards (`*.corp.example`), IP addresses (`127.0.0.1`, `::1`) and CIDRs (`10.0.0.0/8`,
 * `fd00::/8`). An allowed IPv4 address also allows its IPv4-mapped IPv6 form.
 */
export class EgressAllowList {
  private constructor(
    private readonly items: AllowEntry[],
    /** The entries as given, normalised, for messages and logs. */
    readonly entries: readonly string[],
  ) {}

  static empty(): EgressAllowList {
    return new EgressAllowList([], []);
  }

  /** Parses the comma-separated list; throws EgressError(EGRESS_CONFIG) naming every bad entry. */
  static parse(value: string | undefined): EgressAllowList {
    const items: AllowEntry[] = [];
    const entries: string[] = [];
    const problems: string[] = [];
    for (const raw of (value ?? '').split(',')) {
      const text = raw.trim().toLowerCase();
      if (!text) continue;
      const entry = parseEntry(text);
      if (typeof entry === 'string') problems.push(`"${raw.trim()}": ${entry}`);
      else {
        items.push(entry);
        entries.push(text);
      }
    }
    if (problems.length) {
      throw new EgressError(`${EGRESS_ALLOW_ENV} has invalid entries: ${problems.join('; ')}`, 'EGRESS_CONFIG');
    }
    return new EgressAllowList(items, entries);
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** True when the URL's host name is listed (exactly or by a `*.` wildcard). */
  allowsHost(hostname: string): boolean {
    const name = normaliseHost(hostname);
    return this.items.some(
      (e) =>
        (e.kind === 'host' && e.name === name) ||
        (e.kind === 'domain' && name.endsWith(`.${e.suffix}`)),
    );
  }

  /** True when the address falls in a listed address or CIDR. */
  allowsAddress(address: string | IpBytes): boolean {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (!ip) return false;
    const candidates = [ip];
    const inner = embeddedIpv4(ip);
    if (inner) candidates.push(inner);
    return this.items.some(
      (e) =>
        e.kind === 'network' &&
        candidates.some((c) => c.family === e.family && inPrefix(c.bytes, e.bytes, e.prefix)),
    );
  }

  toString(): string {
    return this.entries.join(',');
  }
}

/** Parses MOCKOPS_EGRESS_ALLOW (or any value in its format). Undefined or empty: nothing allowed. */
export function parseEgressAllow(value?: string): EgressAllowList {
  return EgressAllowList.parse(value);
}

export function normaliseHost(hostname: string): string {
  let name = hostname.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function parseEntry(text: string): AllowEntry | string {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const ip = parseIp(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (!ip) return 'not a CIDR (expected address/prefix, e.g. 10.0.0.0/8)';
    const max = ip.family === 4 ? 32 : 128;
    const prefix = Number(prefixText);
    if (!/^\d+$/.test(prefixText) || prefix > max) return `prefix must be 0..${max}`;
    return { kind: 'network', family: ip.family, bytes: ip.bytes, prefix };
  }
  const ip = parseIp(text);
  if (ip) return { kind: 'network', family: ip.family, bytes: ip.bytes, prefix: ip.family === 4 ? 32 : 128 };
  if (text.includes('://') || /:\d+$/.test(text)) return 'give a host, address or CIDR without scheme or port';
  if (text.startsWith('*.')) {
    const suffix = normaliseHost(text.slice(2));
    return HOSTNAME.test(suffix) ? { kind: 'domain', suffix } : 'not a valid domain wildcard';
  }
  const name = normaliseHost(text);
  return HOSTNAME.test(name) ? { kind: 'host', name } : 'not a valid host name, address or CIDR';
}
