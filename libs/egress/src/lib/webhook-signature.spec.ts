import { createHmac } from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

describe('webhook signature', () => {
  const body = '{"message":"hello"}';

  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    const expected = createHmac('sha256', 'whsec').update(body).digest('hex');
    expect(signWebhookBody(body, 'whsec')).toBe(`sha256=${expected}`);
  });

  it('verifies the signature it makes and nothing else', () => {
    const sig = signWebhookBody(body, 'whsec');
    expect(verifyWebhookSignature(Buffer.from(body), 'whsec', sig)).toBe(true);
    expect(verifyWebhookSignature(body, 'other', sig)).toBe(false);
    expect(verifyWebhookSignature(`${body} `, 'whsec', sig)).toBe(false);
    expect(verifyWebhookSignature(body, 'whsec', undefined)).toBe(false);
    expect(verifyWebhookSignature(body, 'whsec', 'sha256=00')).toBe(false);
  });
});
