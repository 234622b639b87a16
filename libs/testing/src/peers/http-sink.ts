import { createServer, IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Arrivals } from './arrivals';

/** One request the sink received, with its body kept raw (for signature checks) and parsed. */
export interface ReceivedRequest {
  method: string;
  /** Path with query string, as sent. */
  path: string;
  /** Path without query string. */
  pathname: string;
  query: URLSearchParams;
  /** Lower-case names, as Node gives them. */
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** What the sink answers. A plain object or array body is sent as JSON. */
export interface SinkResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export type SinkResponder = (req: ReceivedRequest) => SinkResponse | number | Promise<SinkResponse | number>;

export interface HttpSinkOptions {
  /** Default answer when no respondWith is in effect: 200 with body "ok" (what Slack answers). */
  respond?: SinkResponder;
}

export interface HttpSink {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Resolves with the requests once at least `n` arrived; rejects after `timeoutMs` (default 5000). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Requests whose client closed the connection before the sink answered (an aborted call). */
  aborted: ReceivedRequest[];
  waitForAborted(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /**
   * Sets how the next requests are answered: a function, or a sequence of statuses/responses used one
   * per request (after the sequence, the default answer again).
   */
  respondWith(responder: SinkResponder | Array<number | SinkResponse>): void;
  /** Forgets the requests received so far. */
  reset(): void;
  stop(): Promise<void>;
}

const defaultResponder: SinkResponder = () => ({ status: 200, body: 'ok' });

/**
 * An HTTP server on 127.0.0.1 (random port) that records every request — for Slack and webhook
 * notifications, SDK spec URLs and any other outbound call a test wants to observe.
 */
export async function startHttpSink(opts: HttpSinkOptions = {}): Promise<HttpSink> {
  const arrivals = new Arrivals<ReceivedRequest>('http sink requests');
  const abortions = new Arrivals<ReceivedRequest>('aborted http sink requests');
  const requests = arrivals.items;
  const fallback = opts.respond ?? defaultResponder;
  let responder: SinkResponder | null = null;
  let queue: Array<number | SinkResponse> = [];

  const pick = (req: ReceivedRequest) => {
    const next = queue.shift();
    return next !== undefined ? next : (responder ?? fallback)(req);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const received = await readRequest(req);
      arrivals.push(received);
      res.once('close', () => {
        if (!res.writableEnded) abortions.push(received);
      });
      let answer: SinkResponse;
      try {
        const picked = await pick(received);
        answer = typeof picked === 'number' ? { status: picked } : picked;
      } catch (e) {
        answer = { status: 500, body: `sink responder failed: ${(e as Error).message}` };
      }
      const status = answer.status ?? 200;
      let body = answer.body ?? (status >= 400 ? `status ${status}` : 'ok');
      const headers: Record<string, string> = { ...(answer.headers ?? {}) };
      if (typeof body === 'object' && !Buffer.isBuffer(body)) {
        body = JSON.stringify(body);
        headers['content-type'] ??= 'application/json';
      }
      if (!res.destroyed) {
        res.writeHead(status, headers);
        res.end(body);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    waitFor: (n, timeoutMs) => arrivals.waitFor(n, timeoutMs),
    aborted: abortions.items,
    waitForAborted: (n, timeoutMs) => abortions.waitFor(n, timeoutMs),
    respondWith(next) {
      if (typeof next === 'function') {
        responder = next;
        queue = [];
      } else {
        responder = null;
        queue = next.slice();
      }
    },
    reset() {
      arrivals.reset();
      abortions.reset();
    },
    stop() {
      return new Promise<void>((resolve) => {
        // Hanging responders (timeout tests) must not keep the server alive.
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

async function readRequest(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const text = rawBody.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const url = new URL(req.url ?? '/', 'http://sink.invalid');
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    pathname: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    text,
    json,
  };
}
