export * from './lib/egress-errors';
export * from './lib/egress-allow';
export * from './lib/egress-guard';
export * from './lib/egress-fetch';
export * from './lib/ip-ranges';
export * from './lib/mask-url';
export { parseIp, formatIp, isIpLiteral } from './lib/ip-address';
export type { IpBytes } from './lib/ip-address';
export * from './lib/webhook-signature';
