import { PermanentStepError } from '@mockops/worker-kit';
import { parseNotifyConfig } from './notify-config';

function problems(raw: unknown): string {
  try {
    parseNotifyConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PermanentStepError);
    expect((e as PermanentStepError).code).toBe('NOTIFY_CONFIG_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseNotifyConfig', () => {
  it('accepts the spec example and normalises it', () => {
    const c = parseNotifyConfig({
      type: 'slack',
      slack_webhook_url: 'https://hooks.slack.com/services/...',
      channels: ['#api-team', '#frontend-team', '#api-team'],
      message: 'SDKs regenerated for workspace-123',
    });
    expect(c.channels).toEqual(['#api-team', '#frontend-team']);
    expect(c.timeoutMs).toBe(10_000);
    expect(c.message).toBe('SDKs regenerated for workspace-123');
  });

  it('takes comma-separated strings for lists and numbers for the timeout', () => {
    const c = parseNotifyConfig({ type: 'email', email_to: 'a@x.test, b@x.test', message: 'hi', timeout_seconds: '5' });
    expect(c.emailTo).toEqual(['a@x.test', 'b@x.test']);
    expect(c.timeoutMs).toBe(5000);
  });

  it('sends an object message (a whole-value template) as JSON', () => {
    expect(parseNotifyConfig({ type: 'webhook', webhook_url: 'https://h.test/x', message: { a: 1 } }).message).toBe('{"a":1}');
  });

  it('lists every problem at once', () => {
    const msg = problems({ type: 'pager', message: '', colour: 'red', timeout_seconds: 0 });
    expect(msg).toContain('unknown field(s) colour');
    expect(msg).toContain('type must be one of slack, email, webhook');
    expect(msg).toContain('message is required');
    expect(msg).toContain('timeout_seconds must be an integer from 1 to 300');
  });

  it('requires the fields each type needs', () => {
    expect(problems({ type: 'email', message: 'x' })).toContain('email_to is required');
    expect(problems({ type: 'email', message: 'x', email_to: ['not-an-address'] })).toContain('invalid address(es): not-an-address');
    expect(problems({ type: 'webhook', message: 'x' })).toContain('webhook_url is required');
  });

  it("reports another type's fields", () => {
    expect(problems({ type: 'slack', message: 'x', email_to: ['a@x.test'] })).toContain('email_to (email only)');
  });

  it('refuses header names and values that would break the request', () => {
    expect(problems({ type: 'webhook', message: 'x', webhook_url: 'https://h.test', headers: { 'bad name': 'v' } })).toContain('"bad name" is not a valid header name');
    expect(problems({ type: 'webhook', message: 'x', webhook_url: 'https://h.test', headers: { 'X-A': 'a\r\nX-B: b' } })).toContain('must not contain line breaks');
  });

  it('refuses a config that is not a mapping', () => {
    expect(problems(['slack'])).toContain('config must be a mapping');
  });
});
