import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { EgressAllowList, EGRESS_ALLOW_ENV, normaliseHost } from './egress-allow';
import { EgressDeniedError, EgressError } from './egress-errors';
import { formatIp, parseIp } from './ip-address';
import { classifyAddress } from './ip-ranges';
import { maskUrl } from './mask-url';
import { countEgressRefusal } from '@mockops/telemetry';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. Injectable so tests can play DNS (rebinding...). */
export type EgressResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressGuardOptions {
  /** The allow list, or its text form. Default: MOCKOPS_EGRESS_ALLOW from the environment. */
  allow?: EgressAllowList | string;
  /** DNS resolution; default node:dns lookup with all addresses. */
  resolver?: EgressResolver;
  /** Accepted URL schemes, with colon. Default http: and https:. */
  protocols?: readonly string[];
}

export interface EgressCheck {
  url: URL;
  /** The host name without brackets, lower case. */
  hostname: string;
  /** Every address the host resolved to, all checked. Connect to one of these (no second lookup). */
  addresses: ResolvedAddress[];
}

const DEFAULT_PROTOCOLS = ['http:', 'https:'];

export const systemResolver: EgressResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

/** The allow list given (parsed when text); none: no private address is allowed. */
export function resolveAllowList(allow: EgressAllowList | string | undefined): EgressAllowList {
  if (allow instanceof EgressAllowList) return allow;
  if (typeof allow === 'string') return EgressAllowList.parse(allow);
  return EgressAllowList.empty();
}

/**
 * Checks a URL against the SSRF guard: the scheme must be allowed and every address the host resolves
 * to must be public, unless the host or the address is allow-listed. Throws EgressDeniedError; returns
 * the checked addresses so the caller can connect to exactly those.
 */
export async function assertEgressAllowed(url: string | URL, opts: EgressGuardOptions = {}): Promise<EgressCheck> {
  const allow = resolveAllowList(opts.allow);
  const parsed = checkUrlShape(url, opts.protocols ?? DEFAULT_PROTOCOLS);
  const hostname = normaliseHost(parsed.hostname);
  const literal = parseIp(hostname);
  if (literal) {
    assertAddressAllowed(hostname, hostname, allow);
    return { url: parsed, hostname, addresses: [{ address: formatIp(literal), family: literal.family }] };
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await (opts.resolver ?? systemResolver)(hostname);
  } catch (e) {
    throw new EgressError(`cannot resolve ${hostname}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'EGRESS_NETWORK', { cause: e });
  }
  if (addresses.length === 0) throw new EgressError(`cannot resolve ${hostname}: no addresses`, 'EGRESS_NETWORK');
  for (const a of addresses) assertAddressAllowed(hostname, a.address, allow);
  return { url: parsed, hostname, addresses };
}

/** Parses the URL and checks its scheme; no DNS. */
export function checkUrlShape(url: string | URL, protocols: readonly string[] = DEFAULT_PROTOCOLS): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new EgressError('not a valid URL', 'EGRESS_INVALID_URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    countEgressRefusal('scheme');
    const names = protocols.map((p) => p.replace(/:$/, '')).join(' and ');
    throw new EgressDeniedError(
      `egress to ${maskUrl(parsed)} is not allowed: only ${names} URLs may be called`,
      parsed.host,
    );
  }
  if (!parsed.hostname) throw new EgressError('URL has no host', 'EGRESS_INVALID_URL');
  return parsed;
}

/**
 * Refuses one address of `hostname` unless it is public or allow-listed (by host or by address).
 * Used before connecting and again inside the socket's lookup hook.
 */
export function assertAddressAllowed(hostname: string, address: string, allow: EgressAllowList): void {
  const restricted = classifyAddress(address);
  if (!restricted) return;
  if (allow.allowsHost(hostname) || allow.allowsAddress(address)) return;
  countEgressRefusal(restricted.range);
  const host = normaliseHost(hostname);
  const message =
    parseIp(host) !== null
      ? `egress to ${address} (${restricted.label}) is not allowed; add it to ${EGRESS_ALLOW_ENV}`
      : `egress to ${host} (resolves to ${address}, ${restricted.label}) is not allowed; add the host or address to ${EGRESS_ALLOW_ENV}`;
  throw new EgressDeniedError(message, host, address, restricted.label);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/http/https/tls that resolves with `resolver` and re-checks every address at
 * connect time, so a DNS answer that changes after the first check (rebinding) cannot reach a
 * restricted address.
 */
export function createGuardedLookup(allow: EgressAllowList, resolver: EgressResolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver(hostname).then(
      (all) => {
        try {
          for (const a of all) assertAddressAllowed(hostname, a.address, allow);
        } catch (e) {
          callback(e as NodeJS.ErrnoException, options.all ? [] : '', undefined);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, options.all ? [] : '', undefined);
          return;
        }
        if (options.all) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, options.all ? [] : '', undefined),
    );
  };
}
