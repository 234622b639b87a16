import { normalizeNotifyConfig } from './notify-config';

// What the schema refuses (unknown fields, a bad type, missing email_to...) is tested with the schema
// in pipeline-core (rendered-config.spec.ts); this is what the handler does with a config that passed.
describe('normalizeNotifyConfig', () => {
  it('normalises the spec example: channels without repeats, the default timeout', () => {
    const c = normalizeNotifyConfig({
      type: 'slack',
      slack_webhook_url: 'https://hooks.slack.com/services/...',
      channels: ['#api-team', '#frontend-team', '#api-team'],
      message: 'SDKs regenerated for workspace-123',
    });
    expect(c.channels).toEqual(['#api-team', '#frontend-team']);
    expect(c.timeoutMs).toBe(10_000);
    expect(c.message).toBe('SDKs regenerated for workspace-123');
  });

  it('takes one address as a list and the timeout in seconds', () => {
    const c = normalizeNotifyConfig({ type: 'email', email_to: 'a@x.test', message: 'hi', timeout_seconds: 5 });
    expect(c.emailTo).toEqual(['a@x.test']);
    expect(c.timeoutMs).toBe(5000);
    expect(c.headers).toEqual({});
  });
});
