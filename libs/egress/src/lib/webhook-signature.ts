import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-MockOps-Signature';
export const TIMESTAMP_HEADER = 'X-MockOps-Timestamp';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of X-MockOps-Signature. */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** For receivers: checks an X-MockOps-Signature header against the raw body, in constant time. */
export function verifyWebhookSignature(rawBody: string | Buffer, secret: string, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(rawBody, secret));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
