import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressDeniedError, EgressError } from './egress-errors';
import { egressFetch } from './egress-fetch';
import { EgressResolver } from './egress-guard';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

// A loopback server of this file's own (the shared peers live in a test-util lib egress may not import).
async function startServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const fakeDns =
  (answers: Record<string, string[]>): EgressResolver =>
  async (hostname) =>
    (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('egressFetch against a loopback server', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;

  beforeEach(async () => {
    srv = await startServer((req, res, body) => {
      if (req.url === '/redirect-private') {
        res.writeHead(302, { location: 'http://10.0.0.1/internal' }).end();
      } else if (req.url === '/redirect-local') {
        res.writeHead(307, { location: '/echo?after=redirect' }).end();
      } else if (req.url === '/redirect-loop') {
        res.writeHead(302, { location: '/redirect-loop' }).end();
      } else if (req.url === '/hang') {
        // never answers: the caller's timeout must end it
      } else if (req.url === '/big') {
        res.writeHead(200).end('x'.repeat(10_000));
      } else {
        res.writeHead(201, { 'content-type': 'application/json', 'x-reply': 'yes' }).end(JSON.stringify({ method: req.method, body }));
      }
    });
  });
  afterEach(() => srv.stop());

  it('refuses 127.0.0.1 without an allow list and opens no connection', async () => {
    const err = await egressFetch(`${srv.url}/echo`, { allow: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as Error).message).toBe('egress to 127.0.0.1 (loopback) is not allowed; add it to MOCKOPS_EGRESS_ALLOW');
    expect(srv.connections()).toBe(0);
  });

  it('refuses an IPv6 loopback literal, naming the bare address', async () => {
    const err = await egressFetch(`http://[::1]:${srv.port}/echo`, { allow: '' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('egress to ::1 (loopback) is not allowed; add it to MOCKOPS_EGRESS_ALLOW');
  });

  it('refuses localhost by its resolved address at connect time', async () => {
    const err = await egressFetch(`http://localhost:${srv.port}/echo`, { allow: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as Error).message).toMatch(/^egress to localhost \(resolves to (127\.0\.0\.1|::1), loopback\) is not allowed/);
    expect(srv.connections()).toBe(0);
  });

  it('sends method, headers and body when the address is allow-listed and returns a Response', async () => {
    const res = await egressFetch(`${srv.url}/echo`, {
      allow: '127.0.0.1',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'v1' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-reply')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'POST', body: '{"a":1}' });
    expect(srv.seen[0].headers['x-custom']).toBe('v1');
    expect(srv.seen[0].headers['content-length']).toBe('7');
  });

  it('lets an allow-listed host name through', async () => {
    const res = await egressFetch(`http://localhost:${srv.port}/echo`, { allow: 'localhost', resolver: fakeDns({ localhost: ['127.0.0.1'] }) });
    expect(res.status).toBe(201);
  });

  it('checks the address at connect time, so a name that rebinds to loopback is refused', async () => {
    let calls = 0;
    const rebinding: EgressResolver = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    // First answer public (what a pre-check would see), second answer loopback (what connect gets).
    await expect(rebinding('rebind.test')).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
    const err = await egressFetch(`http://rebind.test:${srv.port}/echo`, { allow: '', resolver: rebinding }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as Error).message).toContain('rebind.test (resolves to 127.0.0.1, loopback)');
    expect(srv.connections()).toBe(0);
  });

  it('re-checks redirects and refuses one to a private address', async () => {
    const err = await egressFetch(`${srv.url}/redirect-private`, { allow: '127.0.0.1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as Error).message).toContain('10.0.0.1 (private range)');
  });

  it('follows an allowed redirect, keeping method and body on 307', async () => {
    const res = await egressFetch(`${srv.url}/redirect-local`, { allow: '127.0.0.1', method: 'POST', body: 'payload' });
    expect(res.status).toBe(201);
    expect(srv.seen.map((s) => s.url)).toEqual(['/redirect-local', '/echo?after=redirect']);
    expect(srv.seen[1]).toMatchObject({ method: 'POST', body: 'payload' });
  });

  it('returns the 3xx as is with redirect: manual, and throws with redirect: error', async () => {
    const res = await egressFetch(`${srv.url}/redirect-private`, { allow: '127.0.0.1', redirect: 'manual' });
    expect(res.status).toBe(302);
    const err = await egressFetch(`${srv.url}/redirect-local`, { allow: '127.0.0.1', redirect: 'error' }).catch((e: unknown) => e);
    expect((err as EgressError).code).toBe('EGRESS_REDIRECT');
  });

  it('stops a redirect loop', async () => {
    const err = await egressFetch(`${srv.url}/redirect-loop`, { allow: '127.0.0.1', maxRedirects: 3 }).catch((e: unknown) => e);
    expect((err as EgressError).code).toBe('EGRESS_REDIRECT');
    expect(srv.seen).toHaveLength(4);
  });

  it('times out a server that never answers, without the path in the message', async () => {
    const err = await egressFetch(`${srv.url}/hang`, { allow: '127.0.0.1', timeoutMs: 200 }).catch((e: unknown) => e);
    expect((err as EgressError).code).toBe('EGRESS_TIMEOUT');
    expect((err as Error).message).toBe(`request to ${srv.url}/*** timed out after 200 ms`);
  });

  it('caps the response size', async () => {
    const err = await egressFetch(`${srv.url}/big`, { allow: '127.0.0.1', maxResponseBytes: 1000 }).catch((e: unknown) => e);
    expect((err as EgressError).code).toBe('EGRESS_TOO_LARGE');
  });

  it('reports a refused connection as a network error', async () => {
    const port = srv.port;
    await srv.stop();
    const err = await egressFetch(`http://127.0.0.1:${port}/`, { allow: '127.0.0.1' }).catch((e: unknown) => e);
    expect((err as EgressError).code).toBe('EGRESS_NETWORK');
    expect((err as Error).message).toContain('ECONNREFUSED');
  });
});
