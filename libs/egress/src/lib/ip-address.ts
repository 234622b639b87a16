import { isIP } from 'node:net';

/** An IP address as raw bytes: 4 for IPv4, 16 for IPv6. */
export interface IpBytes {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** Parses an IPv4 or IPv6 literal (brackets and a zone id are tolerated). Null when it is not an IP. */
export function parseIp(input: string): IpBytes | null {
  let text = input.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // A zone id (fe80::1%eth0) names an interface, not part of the address.
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const family = isIP(text);
  if (family === 4) return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (family === 6) return { family: 6, bytes: parseIpv6(text) };
  return null;
}

function parseIpv6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let tail = text;
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:10.0.0.1) is two 16-bit groups.
  const lastColon = tail.lastIndexOf(':');
  const last = tail.slice(lastColon + 1);
  let v4: number[] | null = null;
  if (last.includes('.')) {
    v4 = last.split('.').map(Number);
    tail = tail.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = tail.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  for (const g of headGroups) groups.push(parseInt(g, 16));
  if (rest !== undefined) for (let i = 0; i < missing; i++) groups.push(0);
  for (const g of restGroups) groups.push(parseInt(g, 16));
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (v4) bytes.set(v4, 12);
  return bytes;
}

export function formatIp(ip: IpBytes): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** True when the first `prefix` bits of `ip` equal those of `network` (same family). */
export function inPrefix(ip: Uint8Array, network: Uint8Array, prefix: number): boolean {
  if (ip.length !== network.length) return false;
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (ip[i] !== network[i]) return false;
  const bits = prefix % 8;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (ip[full] & mask) === (network[full] & mask);
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that make a host reach it: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
export function embeddedIpv4(ip: IpBytes): IpBytes | null {
  if (ip.family !== 6) return null;
  const b = ip.bytes;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(b.slice(12, 16));
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(b.slice(12, 16));
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b.slice(2, 6));
  // ::a.b.c.d (deprecated), but not :: and ::1 which are their own things.
  if (zeros(0, 12) && !(zeros(12, 15) && b[15] <= 1)) return v4(b.slice(12, 16));
  return null;
}

function v4(bytes: Uint8Array): IpBytes {
  return { family: 4, bytes: Uint8Array.from(bytes) };
}

/** True when the host is an IP literal (brackets allowed), i.e. no DNS is involved. */
export function isIpLiteral(host: string): boolean {
  return parseIp(host) !== null;
}
