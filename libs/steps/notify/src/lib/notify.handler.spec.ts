import { PermanentStepError } from '@mockops/worker-kit';
import { createNotifyHandler } from './notify.handler';
import { buildStepRunContext } from './testing/step-run-context.builder';

// These runs stop before any connection: configuration selection and the egress guard only.
describe('notify handler (no network)', () => {
  const handler = createNotifyHandler({});

  async function failure(run: Promise<unknown>): Promise<PermanentStepError> {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PermanentStepError);
    return err as PermanentStepError;
  }

  it('says where a Slack URL can come from when none is configured', async () => {
    const err = await failure(handler.run(buildStepRunContext({ type: 'slack', channels: ['#ops'], message: 'hi' })));
    expect(err.code).toBe('NOTIFY_NOT_CONFIGURED');
    expect(err.message).toContain('SLACK_WEBHOOK_URL');
  });

  it("treats the spec's placeholder URL as not configured", async () => {
    const ctx = buildStepRunContext({ type: 'slack', slack_webhook_url: 'https://hooks.slack.com/services/...', message: 'hi' });
    const err = await failure(handler.run(ctx));
    expect(err.message).toContain('placeholder');
  });

  it('refuses a webhook to a private address before connecting, with the operator hint', async () => {
    const ctx = buildStepRunContext({ type: 'webhook', webhook_url: 'http://10.0.0.1/hook/s3cr3t-token', message: 'hi' });
    const err = await failure(handler.run(ctx));
    expect(err.code).toBe('EGRESS_DENIED');
    expect(err.message).toBe('egress to 10.0.0.1 (private range) is not allowed; add it to MOCKOPS_EGRESS_ALLOW');
  });

  it('refuses the cloud metadata address', async () => {
    const ctx = buildStepRunContext({ type: 'webhook', webhook_url: 'http://169.254.169.254/latest/meta-data/', message: 'hi' });
    expect((await failure(handler.run(ctx))).message).toContain('169.254.169.254 (link-local, cloud metadata) is not allowed');
  });

  it('refuses an SMTP server on a private address, never showing the password', async () => {
    const ctx = buildStepRunContext({ type: 'email', email_to: ['a@x.test'], smtp_url: 'smtp://bob:hunter22@192.168.1.5:25', message: 'hi' });
    const err = await failure(handler.run(ctx));
    expect(err.message).toContain('192.168.1.5 (private range)');
    expect(err.message).not.toContain('hunter22');
  });
});
