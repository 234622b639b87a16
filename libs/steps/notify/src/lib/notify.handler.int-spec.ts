import { EgressAllowList, verifyWebhookSignature } from '@mockops/egress';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '@mockops/testing';
import { PermanentStepError, StepError, TransientStepError } from '@mockops/worker-kit';
import { createNotifyHandler } from './notify.handler';
import { buildStepRunContext } from './testing/step-run-context.builder';

async function rejection(run: Promise<unknown>): Promise<StepError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

// Everything below talks to the peers on 127.0.0.1, which the guard refuses unless allow-listed.
const handler = createNotifyHandler({ egressAllow: EgressAllowList.parse('127.0.0.1') });

describe('notify: slack', () => {
  let sink: HttpSink;
  beforeEach(async () => (sink = await startHttpSink()));
  afterEach(() => sink.stop());

  it('posts one message per channel with the rendered text', async () => {
    const url = `${sink.url}/services/T000/B000/XXXXSECRET`;
    const ctx = buildStepRunContext({
      type: 'slack',
      slack_webhook_url: url,
      channels: ['#api-team', '#frontend-team'],
      message: 'SDKs regenerated for workspace-123',
      username: 'MockOps',
      icon_emoji: ':robot_face:',
    });
    const result = await handler.run(ctx);

    const requests = await sink.waitFor(2);
    expect(requests.map((r) => r.json)).toEqual([
      { text: 'SDKs regenerated for workspace-123', channel: '#api-team', username: 'MockOps', icon_emoji: ':robot_face:' },
      { text: 'SDKs regenerated for workspace-123', channel: '#frontend-team', username: 'MockOps', icon_emoji: ':robot_face:' },
    ]);
    expect(requests.every((r) => r.method === 'POST' && r.pathname === '/services/T000/B000/XXXXSECRET')).toBe(true);
    expect(result.outputs).toEqual({ delivered: 2, channels: ['#api-team', '#frontend-team'], webhook_url: `${sink.url}/services/***` });
    expect(JSON.stringify(result.outputs) + ctx.logs.join('\n')).not.toContain('XXXXSECRET');
  });

  it('records each delivered channel before the next post, and skips what an earlier attempt delivered', async () => {
    const url = `${sink.url}/services/T/B/C`;
    const first = buildStepRunContext({ type: 'slack', slack_webhook_url: url, channels: ['#a', '#b'], message: 'm' });
    await handler.run(first);
    expect(first.savedProgress).toEqual([{ slack_delivered: ['#a'] }, { slack_delivered: ['#a', '#b'] }]);

    const seen = sink.requests.length;
    const retry = buildStepRunContext({ type: 'slack', slack_webhook_url: url, channels: ['#a', '#b', '#c'], message: 'm' }, { attempt: 2, progress: { slack_delivered: ['#a'] } });
    const result = await handler.run(retry);
    expect(sink.requests.slice(seen).map((r) => (r.json as { channel: string }).channel)).toEqual(['#b', '#c']);
    expect(result.outputs).toMatchObject({ delivered: 3, channels: ['#a', '#b', '#c'] });
  });

  it("posts once to the webhook's default channel when no channels are given", async () => {
    const ctx = buildStepRunContext({ type: 'slack', slack_webhook_url: `${sink.url}/services/T/B/C`, message: 'hello' });
    const result = await handler.run(ctx);
    expect(sink.requests.map((r) => r.json)).toEqual([{ text: 'hello' }]);
    expect(result.outputs).toMatchObject({ delivered: 1, channels: [] });
  });

  it('falls back to the SLACK_WEBHOOK_URL secret the pipeline may use, never to the process environment', async () => {
    // The spec's placeholder URL counts as "not given".
    const placeholder = { type: 'slack', slack_webhook_url: 'https://hooks.slack.com/services/...', message: 'via secret' };
    await handler.run(buildStepRunContext(placeholder, { secrets: { SLACK_WEBHOOK_URL: `${sink.url}/services/secret` } }));
    // The operator's variable in the process environment is not a secret this run may use.
    process.env.SLACK_WEBHOOK_URL = `${sink.url}/services/env`;
    const err = await rejection(handler.run(buildStepRunContext({ ...placeholder, message: 'via env' }))).finally(() => delete process.env.SLACK_WEBHOOK_URL);
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(err.message).toContain('no SLACK_WEBHOOK_URL secret is available to this pipeline');
    expect(sink.requests.map((r) => [r.pathname, (r.json as { text: string }).text])).toEqual([['/services/secret', 'via secret']]);
  });

  it('fails transient on 5xx and permanent on 404, naming delivered channels and no token', async () => {
    sink.respondWith([200, { status: 404, body: 'channel_not_found' }]);
    const url = `${sink.url}/services/T1/B1/TOKEN123`;
    const err = await rejection(handler.run(buildStepRunContext({ type: 'slack', slack_webhook_url: url, channels: ['#ok', '#gone'], message: 'm' })));
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(err.message).toContain('answered 404: channel_not_found');
    expect(err.message).toContain('already delivered to #ok');
    expect(err.message).not.toContain('TOKEN123');

    sink.respondWith([503]);
    const err2 = await rejection(handler.run(buildStepRunContext({ type: 'slack', slack_webhook_url: url, message: 'm' })));
    expect(err2).toBeInstanceOf(TransientStepError);
  });
});

describe('notify: email', () => {
  let smtp: SmtpSink;
  afterEach(() => smtp.stop());

  it('delivers over SMTP with subject, recipients and text', async () => {
    smtp = await startSmtpSink();
    const ctx = buildStepRunContext({
      type: 'email',
      smtp_url: smtp.url,
      email_to: ['dev@example.test', 'qa@example.test'],
      email_from: 'pipelines@example.test',
      subject: 'Scenario promoted',
      message: 'Scenario checkout promoted to test',
    });
    const result = await handler.run(ctx);
    const [mail] = await smtp.waitFor(1);
    expect(mail.subject).toBe('Scenario promoted');
    expect(mail.text?.trim()).toBe('Scenario checkout promoted to test');
    expect(mail.from?.text).toBe('pipelines@example.test');
    expect(smtp.envelopes[0].rcptTo).toEqual(['dev@example.test', 'qa@example.test']);
    // The Message-ID derives from the step's idempotency key, so a retry sends the same one.
    expect(mail.messageId).toBe('<exec-0001.notify-teams@mockops>');
    expect(result.outputs).toEqual({ message_id: mail.messageId, accepted: ['dev@example.test', 'qa@example.test'], rejected: [] });
  });

  it('uses the default subject and sender, authenticates, and never shows the password', async () => {
    smtp = await startSmtpSink({ auth: { user: 'mailer', pass: 'Pa55-w0rd-xyz' } });
    const ctx = buildStepRunContext({ type: 'email', email_to: ['ops@example.test'], message: 'hi' }, { secrets: { SMTP_URL: smtp.url } });
    const result = await handler.run(ctx);
    const [mail] = await smtp.waitFor(1);
    expect(mail.subject).toBe('[MockOps] schema-change-pipeline: notify-teams');
    expect(mail.from?.text).toBe('mockops@localhost');
    expect(smtp.envelopes[0].user).toBe('mailer');
    expect(JSON.stringify(result.outputs) + ctx.logs.join('\n')).not.toContain('Pa55-w0rd-xyz');
  });

  it('fails permanent on bad credentials without the password in the error', async () => {
    smtp = await startSmtpSink({ auth: { user: 'mailer', pass: 'right-pass' } });
    const url = `smtp://mailer:WRONG-pass-1@127.0.0.1:${smtp.port}`;
    const ctx = buildStepRunContext({ type: 'email', smtp_url: url, email_to: ['ops@example.test'], message: 'hi' });
    const err = await rejection(handler.run(ctx));
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(err.message).toContain('(535)');
    expect(err.message + ctx.logs.join('\n')).not.toContain('WRONG-pass-1');
    expect(smtp.authFailures).toBe(1);
  });

  it('maps SMTP 4xx to transient and 5xx to permanent', async () => {
    smtp = await startSmtpSink();
    const config = { type: 'email' as const, smtp_url: smtp.url, email_to: ['ops@example.test'], message: 'hi' };
    smtp.failNext(451, 'Mailbox busy');
    const busy = await rejection(handler.run(buildStepRunContext(config)));
    expect(busy).toBeInstanceOf(TransientStepError);
    expect(busy.message).toContain('Mailbox busy');
    smtp.failNext(554, 'Rejected as spam');
    expect(await rejection(handler.run(buildStepRunContext(config)))).toBeInstanceOf(PermanentStepError);
    expect(smtp.messages).toHaveLength(0);
  });

  it('treats an unreachable SMTP server as transient', async () => {
    smtp = await startSmtpSink();
    const port = smtp.port;
    await smtp.stop();
    const ctx = buildStepRunContext({ type: 'email', smtp_url: `smtp://127.0.0.1:${port}`, email_to: ['ops@example.test'], message: 'hi', timeout_seconds: 2 });
    expect(await rejection(handler.run(ctx))).toBeInstanceOf(TransientStepError);
    smtp = await startSmtpSink();
  });
});

describe('notify: webhook', () => {
  let sink: HttpSink;
  beforeEach(async () => (sink = await startHttpSink()));
  afterEach(() => sink.stop());

  const webhook = (extra: Record<string, unknown> = {}) => ({ type: 'webhook' as const, webhook_url: `${sink.url}/hooks/in?token=tok-123456`, message: 'Drift on /pets', ...extra });

  it('posts the JSON payload with a valid HMAC and a stable Idempotency-Key', async () => {
    const ctx = buildStepRunContext(webhook({ webhook_secret: 'whsec_test_1', headers: { 'X-Team': 'api' } }), { attempt: 2 });
    const result = await handler.run(ctx);
    const [req] = await sink.waitFor(1);

    expect(verifyWebhookSignature(req.rawBody, 'whsec_test_1', req.headers['x-mockops-signature'] as string)).toBe(true);
    expect(req.headers['idempotency-key']).toBe('exec-0001:notify-teams');
    expect(req.headers['x-mockops-timestamp']).toMatch(/^\d{10}$/);
    expect(req.headers['x-team']).toBe('api');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({
      event: {
        id: 'evt-1',
        type: 'schema.changed',
        workspace_id: 'workspace-123',
        workspace_name: null,
        occurred_at: '2025-01-02T03:04:00.000Z',
        source: null,
        payload: { spec_path: 'specs/petstore.yaml', schema_type: 'openapi', changes: [] },
      },
      execution: { id: 'exec-0001', pipeline_id: 'pipe-42', pipeline_name: 'schema-change-pipeline', workspace_id: 'workspace-123' },
      step: { name: 'notify-teams', attempt: 2 },
      message: 'Drift on /pets',
    });
    expect(result.outputs).toEqual({ status: 200, response_excerpt: 'ok', webhook_url: `${sink.url}/hooks/***?***`, signed: true });
    expect(JSON.stringify(result.outputs) + ctx.logs.join('\n')).not.toContain('tok-123456');
  });

  it('signs with the WEBHOOK_SECRET secret and keeps the key across retries', async () => {
    sink.respondWith([500, 200]);
    const first = await rejection(handler.run(buildStepRunContext(webhook(), { secrets: { WEBHOOK_SECRET: 'from-store' }, attempt: 1 })));
    expect(first).toBeInstanceOf(TransientStepError);
    await handler.run(buildStepRunContext(webhook(), { secrets: { WEBHOOK_SECRET: 'from-store' }, attempt: 2 }));
    const [a, b] = await sink.waitFor(2);
    expect(a.headers['idempotency-key']).toBe(b.headers['idempotency-key']);
    expect(verifyWebhookSignature(b.rawBody, 'from-store', b.headers['x-mockops-signature'] as string)).toBe(true);
  });

  it('keeps its own headers when the step config tries to set them', async () => {
    const headers = { 'X-MockOps-Signature': 'sha256=forged', 'Idempotency-Key': 'mine', 'User-Agent': 'custom-agent' };
    await handler.run(buildStepRunContext(webhook({ webhook_secret: 'whsec_test_2', headers })));
    const [req] = await sink.waitFor(1);
    expect(verifyWebhookSignature(req.rawBody, 'whsec_test_2', req.headers['x-mockops-signature'] as string)).toBe(true);
    expect(req.headers['idempotency-key']).toBe('exec-0001:notify-teams');
    expect(req.headers['user-agent']).toBe('custom-agent');
  });

  it('caps the response excerpt', async () => {
    sink.respondWith(() => ({ status: 200, body: 'y'.repeat(5000) }));
    const result = await createNotifyHandler({ egressAllow: EgressAllowList.parse('127.0.0.1'), excerptChars: 100 }).run(buildStepRunContext(webhook()));
    expect((result.outputs['response_excerpt'] as string).length).toBe(101);
  });

  it('500 → TransientStepError, 400 → PermanentStepError, 429 → transient with Retry-After', async () => {
    sink.respondWith([{ status: 500, body: 'boom' }, { status: 400, body: 'bad payload' }, { status: 429, headers: { 'retry-after': '30' } }]);
    const e500 = await rejection(handler.run(buildStepRunContext(webhook())));
    const e400 = await rejection(handler.run(buildStepRunContext(webhook())));
    const e429 = await rejection(handler.run(buildStepRunContext(webhook())));
    expect(e500).toBeInstanceOf(TransientStepError);
    expect(e500.message).toContain('answered 500: boom');
    expect(e400).toBeInstanceOf(PermanentStepError);
    expect(e400.message).toContain('answered 400: bad payload');
    expect(e429).toBeInstanceOf(TransientStepError);
    expect(e429.retryAfterMs).toBe(30_000);
    for (const e of [e500, e400, e429]) expect(e.message).not.toContain('tok-123456');
  });

  it('times out after timeout_seconds as a transient failure', async () => {
    sink.respondWith(() => new Promise(() => undefined));
    const err = await rejection(handler.run(buildStepRunContext(webhook({ timeout_seconds: 1 }))));
    expect(err).toBeInstanceOf(TransientStepError);
    expect(err.code).toBe('NOTIFY_TIMEOUT');
  });

  it('refuses 127.0.0.1 without the allow list, sending nothing', async () => {
    const strict = createNotifyHandler({});
    const err = await rejection(strict.run(buildStepRunContext(webhook())));
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(err.message).toBe('egress to 127.0.0.1 (loopback) is not allowed; add it to MOCKOPS_EGRESS_ALLOW');
    expect(sink.requests).toHaveLength(0);
  });

  it('refuses private and metadata addresses with a clear error', async () => {
    for (const [url, text] of [
      ['http://10.0.0.1/hook', '10.0.0.1 (private range)'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 (link-local, cloud metadata)'],
    ]) {
      const err = await rejection(handler.run(buildStepRunContext({ type: 'webhook', webhook_url: url, message: 'x' })));
      expect(err).toBeInstanceOf(PermanentStepError);
      expect(err.code).toBe('EGRESS_DENIED');
      expect(err.message).toContain(text);
    }
  });

  it('does not follow a redirect', async () => {
    sink.respondWith([{ status: 302, headers: { location: 'http://10.0.0.1/' } }]);
    const err = await rejection(handler.run(buildStepRunContext(webhook())));
    expect(err).toBeInstanceOf(PermanentStepError);
    expect(sink.requests).toHaveLength(1);
  });
});
