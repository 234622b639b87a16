/**
 * Test peer: a node:http server implementing the two petstore documents of @readme/oas-examples
 * (3.0 petstore-expanded under /expanded, the classic 3.0 petstore under /v2), with their auth rules
 * and error bodies, so generated clients can make real calls. Listens on 127.0.0.1, random port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface PetstoreServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const PETSTORE_API_KEY = 'secret-key';
export const PETSTORE_TOKEN = 'oauth-token';

interface Pet {
  id: number;
  name: string;
  tag?: string;
  status?: string;
  photoUrls?: string[];
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

export async function startPetstoreServer(): Promise<PetstoreServer> {
  const pets = new Map<number, Pet>([
    [1, { id: 1, name: 'Rex', tag: 'dog', status: 'available', photoUrls: [] }],
    [2, { id: 2, name: 'Tom', tag: 'cat', status: 'sold', photoUrls: [] }],
    [3, { id: 3, name: 'Bello', tag: 'dog', status: 'pending', photoUrls: [] }],
  ]);
  let nextId = 100;
  const requests: RecordedRequest[] = [];
  const expandedPet = (p: Pet) => ({ id: p.id, name: p.name, ...(p.tag ? { tag: p.tag } : {}) });
  const error = (code: number, message: string) => ({ code, message });

  const handle = (req: IncomingMessage, body: string, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;

    // --- petstore-expanded ------------------------------------------------------------------
    if (path === '/expanded/pets' && method === 'GET') {
      const tags = url.searchParams.getAll('tags');
      const limit = Number(url.searchParams.get('limit') ?? '1000');
      const found = [...pets.values()].filter((p) => tags.length === 0 || (p.tag !== undefined && tags.includes(p.tag)));
      return send(res, 200, found.slice(0, limit).map(expandedPet));
    }
    if (path === '/expanded/pets' && method === 'POST') {
      if (!String(req.headers['content-type']).startsWith('application/json')) return send(res, 415, error(415, 'expected JSON'));
      const input = JSON.parse(body || '{}') as { name?: unknown; tag?: unknown };
      if (typeof input.name !== 'string') return send(res, 400, error(400, 'name is required'));
      const pet: Pet = { id: nextId++, name: input.name, ...(typeof input.tag === 'string' ? { tag: input.tag } : {}) };
      pets.set(pet.id, pet);
      return send(res, 200, expandedPet(pet));
    }
    if ((m = /^\/expanded\/pets\/(\d+)$/.exec(path))) {
      const pet = pets.get(Number(m[1]));
      if (!pet) return send(res, 404, error(404, `pet ${m[1]} not found`));
      if (method === 'GET') return send(res, 200, expandedPet(pet));
      if (method === 'DELETE') {
        pets.delete(pet.id);
        return send(res, 204);
      }
    }

    // --- classic petstore -------------------------------------------------------------------
    const bearer = req.headers['authorization'] === `Bearer ${PETSTORE_TOKEN}`;
    const apiKey = req.headers['api_key'] === PETSTORE_API_KEY;
    if (path === '/v2/store/inventory' && method === 'GET') {
      if (!apiKey) return send(res, 401, { message: 'api_key required' });
      const counts: Record<string, number> = {};
      for (const p of pets.values()) if (p.status) counts[p.status] = (counts[p.status] ?? 0) + 1;
      return send(res, 200, counts);
    }
    if (path === '/v2/pet/findByStatus' && method === 'GET') {
      if (!bearer) return send(res, 401, { message: 'token required' });
      const statuses = url.searchParams.getAll('status');
      return send(res, 200, [...pets.values()].filter((p) => p.status && statuses.includes(p.status)));
    }
    if ((m = /^\/v2\/pet\/(\d+)$/.exec(path))) {
      const pet = pets.get(Number(m[1]));
      if (method === 'GET') {
        if (!apiKey) return send(res, 401, { message: 'api_key required' });
        return pet ? send(res, 200, pet) : send(res, 404, { message: 'Pet not found' });
      }
      if (method === 'POST') {
        if (!bearer) return send(res, 401, { message: 'token required' });
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return send(res, 415, { message: 'expected a form' });
        if (!pet) return send(res, 404, { message: 'Pet not found' });
        const form = new URLSearchParams(body);
        if (form.has('name')) pet.name = form.get('name')!;
        if (form.has('status')) pet.status = form.get('status')!;
        return send(res, 200);
      }
    }
    send(res, 404, error(404, `no route for ${method} ${path}`));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      try {
        handle(req, body, res);
      } catch (e) {
        send(res, 500, error(500, (e as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
