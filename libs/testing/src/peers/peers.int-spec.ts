import { createTransport } from 'nodemailer';
import { startHttpSink } from './http-sink';
import { startSmtpSink } from './smtp-sink';

describe('startHttpSink', () => {
  it('records requests with raw body and parsed JSON, answering 200 ok by default', async () => {
    const sink = await startHttpSink();
    try {
      const res = await fetch(`${sink.url}/hooks/a?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok');
      const [req] = await sink.waitFor(1);
      expect(req).toMatchObject({ method: 'POST', path: '/hooks/a?x=1', pathname: '/hooks/a', text: '{"text":"hi"}', json: { text: 'hi' } });
      expect(req.query.get('x')).toBe('1');
      expect(req.rawBody.equals(Buffer.from('{"text":"hi"}'))).toBe(true);
      expect(req.headers['content-type']).toBe('application/json');
    } finally {
      await sink.stop();
    }
  });

  it('answers a sequence of statuses, then the default again', async () => {
    const sink = await startHttpSink();
    try {
      sink.respondWith([500, { status: 429, headers: { 'retry-after': '3' } }]);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(sink.url, { method: 'POST', body: 'x' })).status);
      expect(statuses).toEqual([500, 429, 200]);
    } finally {
      await sink.stop();
    }
  });

  it('answers with a function and serialises object bodies as JSON', async () => {
    const sink = await startHttpSink();
    try {
      sink.respondWith((req) => ({ status: 202, body: { echoed: req.json } }));
      const res = await fetch(sink.url, { method: 'POST', body: '{"a":1}' });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ echoed: { a: 1 } });
    } finally {
      await sink.stop();
    }
  });

  it('waitFor fails with a clear message when too few requests arrive', async () => {
    const sink = await startHttpSink();
    try {
      await expect(sink.waitFor(1, 50)).rejects.toThrow('http sink requests: expected 1, got 0');
    } finally {
      await sink.stop();
    }
  });

  it('stops even while a request hangs', async () => {
    const sink = await startHttpSink({ respond: () => new Promise(() => undefined) });
    const pending = fetch(sink.url).catch((e: unknown) => e);
    await sink.waitFor(1);
    await sink.stop();
    // fetch's errors come from another realm, so check the shape rather than instanceof.
    expect(await pending).toHaveProperty('message', 'fetch failed');
  });
});

describe('startSmtpSink', () => {
  it('receives and parses mail from nodemailer', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = createTransport(sink.url);
      await transport.sendMail({ from: 'a@x.test', to: ['b@x.test', 'c@x.test'], subject: 'Hello', text: 'Body text' });
      const [mail] = await sink.waitFor(1);
      expect(mail.subject).toBe('Hello');
      expect(mail.text?.trim()).toBe('Body text');
      expect(sink.envelopes[0]).toEqual({ mailFrom: 'a@x.test', rcptTo: ['b@x.test', 'c@x.test'], user: undefined });
    } finally {
      await sink.stop();
    }
  });

  it('requires the configured credentials', async () => {
    const sink = await startSmtpSink({ auth: { user: 'bot', pass: 's3cret!' } });
    try {
      expect(sink.url).toBe(`smtp://bot:s3cret!@127.0.0.1:${sink.port}`);
      await createTransport(sink.url).sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 's', text: 't' });
      expect(sink.envelopes[0].user).toBe('bot');
      const wrong = createTransport(`smtp://bot:nope@127.0.0.1:${sink.port}`);
      await expect(wrong.sendMail({ from: 'a@x.test', to: 'b@x.test', text: 't' })).rejects.toMatchObject({ responseCode: 535 });
      expect(sink.authFailures).toBe(1);
      expect(sink.messages).toHaveLength(1);
    } finally {
      await sink.stop();
    }
  });

  it('fails the next message with the requested code, then accepts again', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = createTransport(sink.url);
      sink.failNext(451);
      await expect(transport.sendMail({ from: 'a@x.test', to: 'b@x.test', text: '1' })).rejects.toMatchObject({ responseCode: 451 });
      await transport.sendMail({ from: 'a@x.test', to: 'b@x.test', text: '2' });
      expect(sink.messages.map((m) => m.text?.trim())).toEqual(['2']);
    } finally {
      await sink.stop();
    }
  });
});
