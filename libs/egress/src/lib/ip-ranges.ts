import { embeddedIpv4, formatIp, inPrefix, IpBytes, parseIp } from './ip-address';

/** Why an address may not be reached from a step (SSRF guard). */
export type RestrictedRange =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

export interface RestrictedAddress {
  range: RestrictedRange;
  /** Human wording for error messages, e.g. "private range" or "link-local, cloud metadata". */
  label: string;
}

interface RangeRule {
  network: Uint8Array;
  prefix: number;
  range: RestrictedRange;
}

const LABELS: Record<RestrictedRange, string> = {
  loopback: 'loopback',
  private: 'private range',
  'link-local': 'link-local',
  cgnat: 'CGNAT range',
  unspecified: 'unspecified address',
  multicast: 'multicast',
  reserved: 'reserved range',
};

function rule(cidr: string, range: RestrictedRange): RangeRule {
  const [addr, prefix] = cidr.split('/');
  const ip = parseIp(addr);
  if (!ip) throw new Error(`bad built-in range ${cidr}`);
  return { network: ip.bytes, prefix: Number(prefix), range };
}

// Order matters only for labelling: the first matching rule names the range.
const V4_RULES: RangeRule[] = [
  rule('0.0.0.0/8', 'unspecified'),
  rule('127.0.0.0/8', 'loopback'),
  rule('10.0.0.0/8', 'private'),
  rule('172.16.0.0/12', 'private'),
  rule('192.168.0.0/16', 'private'),
  rule('100.64.0.0/10', 'cgnat'),
  rule('169.254.0.0/16', 'link-local'),
  rule('224.0.0.0/4', 'multicast'),
  rule('240.0.0.0/4', 'reserved'),
  rule('192.0.0.0/24', 'reserved'),
  rule('192.0.2.0/24', 'reserved'),
  rule('198.18.0.0/15', 'reserved'),
  rule('198.51.100.0/24', 'reserved'),
  rule('203.0.113.0/24', 'reserved'),
];

const V6_RULES: RangeRule[] = [
  rule('::/128', 'unspecified'),
  rule('::1/128', 'loopback'),
  rule('fe80::/10', 'link-local'),
  rule('fec0::/10', 'private'),
  rule('fc00::/7', 'private'),
  rule('64:ff9b:1::/48', 'private'),
  rule('ff00::/8', 'multicast'),
  rule('100::/64', 'reserved'),
  rule('2001:db8::/32', 'reserved'),
];

// Metadata endpoints of the big clouds (AWS/GCP/Azure on v4, AWS on v6): the prize of most SSRF.
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * Classifies an IP address. Returns null for a publicly routable address, otherwise the restricted
 * range it falls in. IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the
 * IPv4 address they lead to.
 */
export function classifyAddress(address: string | IpBytes): RestrictedAddress | null {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) throw new Error(`not an IP address: ${String(address)}`);
  const inner = embeddedIpv4(ip);
  if (inner) {
    const found = classifyAddress(inner);
    return found ? { range: found.range, label: `${found.label}, IPv4 embedded in IPv6` } : null;
  }
  const rules = ip.family === 4 ? V4_RULES : V6_RULES;
  const hit = rules.find((r) => inPrefix(ip.bytes, r.network, r.prefix));
  if (!hit) return null;
  const label = METADATA.has(formatIp(ip)) ? `${LABELS[hit.range]}, cloud metadata` : LABELS[hit.range];
  return { range: hit.range, label };
}
