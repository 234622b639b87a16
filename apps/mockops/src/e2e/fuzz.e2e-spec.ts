import fc from 'fast-check';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { parseEventEntry } from '@mockops/event-stream';
import { STEP_TYPES } from '@mockops/pipeline-core';
import {
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  createTestEnv,
  eventually,
  startHttpSink,
  startMockopsProcess,
  type HttpSink,
  type MockopsProcess,
  type TestEnv,
} from '@mockops/testing';

// Property-based fuzzing of every edge where input enters, against the running system (the built
// one-process app as a real process, real Postgres and Redis). Fixed seed, so CI runs the same inputs
// every time; FUZZ_SEED / FUZZ_RUNS vary it locally. The properties: no 5xx, every 4xx in the one
// error shape, every stream entry processed or dead-lettered with a reason, no execution left
// running, no side effect repeated under different idempotency keys, and a valid event still runs.

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const ADMIN = 'fuzz-admin-key-0a1b2c3d';
const TEAM = 'fuzz-team-key-4e5f6a7b';

/** Strings that reach every corner: unicode, lone surrogates, NUL, template and YAML syntax. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '{{', '}}', '{{ secrets.X }}', '{% for i in (1..9999999) %}', '{{ x | nope }}', '*a', '&a', '- ', ': ', '"', "'", '\\', '%00', '../..', ' ', ''),
);

const jsonLeaf = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonLeaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(nasty, tie('value'), { maxKeys: 4 })),
})).value;

/** JSON text kept as text: a value nested thousands deep would overflow this test's own stack. */
class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawJson(${this.text.length} chars)`;
  }
}

/** A value nested `depth` levels deep (the stack-overflow vector: thousands of levels). */
const deep = fc.integer({ min: 60, max: 6000 }).map((depth) => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"d":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return new RawJson(`${open}"leaf"${close}`);
});

/** JSON.stringify that writes RawJson as it is. */
function toJson(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Percent-encodes the UTF-8 bytes of any string (lone surrogates included, which encodeURIComponent refuses). */
function encodeSegment(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const pipelineBody = fc.oneof(
  fc.record({ name: nasty, definition: fc.record({ triggers: fc.array(fc.record({ event: nasty, filters: fc.dictionary(nasty, jsonLeaf, { maxKeys: 2 }) }), { maxLength: 2 }), steps: fc.array(fc.record({ name: nasty, step_type: fc.constantFrom(...STEP_TYPES, 'nope'), config: fc.dictionary(fc.constantFrom('type', 'message', 'webhook_url', 'headers', 'token', 'files', 'languages', 'entity_id', 'url', 'body', 'secret_headers', 'expect_status'), json, { maxKeys: 4 }) }), { maxLength: 3 }) }) }),
  fc.record({ name: nasty, definition: deep }),
  json,
);

const yamlDocument = fc
  .tuple(nasty, nasty, nasty, fc.constantFrom('notify', 'create_pr', 'x'), nasty)
  .map(([name, event, message, stepType, junk]) => `name: ${JSON.stringify(name)}\ndefinition:\n  triggers:\n    - event: ${JSON.stringify(event)}\n  steps:\n    - name: s\n      step_type: ${stepType}\n      config:\n        type: webhook\n        webhook_url: "http://127.0.0.1:9/x"\n        message: ${JSON.stringify(message)}\n${junk}`);

const eventBody = fc.oneof(
  fc.record({ id: fc.option(nasty), type: fc.oneof(nasty, fc.constant('custom.fuzz'), fc.constant('scenario.published')), workspace_id: fc.option(fc.constantFrom('ws-f', 'ws-other', '\u0000', 'ws f')), occurred_at: fc.option(fc.oneof(nasty, fc.constantFrom('2024-02-30', '2024-02-29T10:00:00Z', 'yesterday'))), payload: fc.oneof(json, deep) }, { requiredKeys: ['type', 'payload'] }),
  json,
);

const rawEntry = fc.oneof(
  fc.record({ field: fc.constantFrom('event', 'evnt', ''), value: fc.oneof(nasty, json.map(toJson), eventBody.map(toJson)) }).map((e) => ({ field: e.field, value: Buffer.from(e.value ?? '', 'utf8') })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ field: 'event', value: Buffer.from(bytes) })),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ field: 'event', value: Buffer.from(JSON.stringify({ id: `big-${n}`, type: 'custom.fuzz', payload: { pad: 'x'.repeat(40_000 * n) } })) })),
);

describe('fuzzing every input edge of the running system (fixed seed)', () => {
  let env: TestEnv;
  let app: MockopsProcess;
  let sink: HttpSink;
  let redis: Redis;
  let pg: Client;
  let pipelineId: string;
  const entryIds: { id: string; field: string; value: Buffer }[] = [];
  let requests = 0;

  beforeAll(async () => {
    sink = await startHttpSink();
    env = await createTestEnv({
      MOCKOPS_API_KEYS: `${ADMIN}:admin,${TEAM}:ws=ws-f`,
      MOCKOPS_EGRESS_ALLOW: '127.0.0.1',
      MOCKOPS_EVENT_MAX_BYTES: String(64 * 1024),
      MOCKOPS_RATE_LIMIT: 'off',
    });
    app = await startMockopsProcess('mockops', env.env);
    redis = new Redis(TEST_REDIS_URL);
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    const created = await call(TEAM, 'POST', '/api/v1/pipelines', `name: fuzz-ok
definition:
  triggers:
    - event: custom.fuzz
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink.url}/fuzz"
        message: "{{ event.n | default: 'none' }}"
`, 'application/yaml');
    expect(created.status).toBe(201);
    pipelineId = created.json.id;
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.quit();
    await pg?.end();
    await sink?.stop();
    await env?.cleanup();
  });

  async function call(key: string | null, method: string, path: string, body?: string | Buffer, contentType = 'application/json') {
    requests++;
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${app.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, json: parsed, text };
  }

  /** No 5xx; every error answer is `{code, message, details[]}`. */
  function expectWellFormed(res: { status: number; json: any; text: string }, what: string) {
    if (res.status >= 500) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
    if (res.status >= 400) {
      const ok = res.json && typeof res.json.code === 'string' && typeof res.json.message === 'string' && Array.isArray(res.json.details);
      if (!ok) throw new Error(`${what}: ${res.status} without the error shape: ${res.text.slice(0, 300)}`);
    }
  }

  const opts = (numRuns: number) => ({ seed: SEED, numRuns: numRuns * RUNS, endOnFailure: true });

  it('pipeline documents (JSON and YAML, create and validate): never a 5xx, errors in one shape', async () => {
    await fc.assert(
      fc.asyncProperty(pipelineBody, fc.boolean(), async (body, validate) => {
        const res = await call(TEAM, 'POST', validate ? '/api/v1/pipelines/validate' : '/api/v1/pipelines', toJson(body));
        expectWellFormed(res, 'pipeline JSON');
      }),
      opts(120),
    );
    await fc.assert(
      fc.asyncProperty(yamlDocument, async (yaml) => {
        expectWellFormed(await call(TEAM, 'POST', '/api/v1/pipelines', yaml, 'application/yaml'), 'pipeline YAML');
      }),
      opts(80),
    );
  });

  it('REST event bodies, including raw bytes that are not UTF-8: never a 5xx, errors in one shape', async () => {
    await fc.assert(
      fc.asyncProperty(eventBody, async (body) => {
        expectWellFormed(await call(TEAM, 'POST', '/api/v1/events', toJson(body)), 'event');
      }),
      opts(120),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (bytes) => {
        expectWellFormed(await call(TEAM, 'POST', '/api/v1/events', Buffer.from(bytes)), 'event bytes');
      }),
      opts(40),
    );
  });

  it('path and query parameters and API keys: never a 5xx, errors in one shape', async () => {
    const segment = fc.oneof(nasty.map(encodeSegment), fc.constantFrom('%00', '%ZZ', '%ud800', '%ED%A0%80', '..', '%2e%2e', 'a%00b'));
    const route = fc.constantFrom(
      (s: string) => `/api/v1/pipelines/${s}`,
      (s: string) => `/api/v1/executions/${s}`,
      (s: string) => `/api/v1/executions/${s}/rerun`,
      (s: string) => `/api/v1/promotions/${s}`,
      (s: string) => `/api/v1/workspaces/${s}/environments`,
      (s: string) => `/api/v1/workspaces/${s}/secrets`,
      (s: string) => `/api/v1/workspaces/ws-f/secrets/${s}`,
      (s: string) => `/api/v1/pipelines?workspace_id=${s}`,
      (s: string) => `/api/v1/executions?status=${s}&cursor=${s}`,
      (s: string) => `/api/v1/promotions?workspace_id=${s}&limit=${s}`,
    );
    await fc.assert(
      fc.asyncProperty(route, segment, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (to, s, method) => {
        expectWellFormed(await call(TEAM, method, to(s), method === 'GET' || method === 'DELETE' ? undefined : '{}'), `${method} ${to(s)}`);
      }),
      opts(90),
    );
    // Keys: printable text only (HTTP forbids the rest in headers), of any length.
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }), async (key) => {
        const res = await call(key, 'GET', '/api/v1/pipelines');
        expectWellFormed(res, 'auth');
        expect([200, 401]).toContain(res.status);
        if (res.status === 200) expect([ADMIN, TEAM]).toContain(key.trim());
      }),
      opts(40),
    );
  });

  it('raw stream entries: each is processed or dead-lettered with a reason, and nothing stays pending', async () => {
    await fc.assert(
      fc.asyncProperty(rawEntry, async ({ field, value }) => {
        const id = (await redis.xaddBuffer(env.config.events.stream, '*', field || 'x', value)) as Buffer;
        entryIds.push({ id: id.toString(), field: field || 'x', value });
      }),
      opts(100),
    );
    const matcherGroupDone = async () => {
      const groups = (await redis.xinfo('GROUPS', env.config.events.stream)) as unknown[][];
      return groups.every((g) => Number(g[g.indexOf('pending') + 1]) === 0 && Number(g[g.indexOf('lag') + 1] ?? 0) === 0);
    };
    await eventually(matcherGroupDone, 'every consumer group to have read and acked everything', 60_000);
    const dead = new Map(
      (await redis.xrange(`${env.config.events.stream}:dead`, '-', '+')).map(([, f]) => {
        const o = Object.fromEntries(f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])));
        return [o.entry_id, o] as const;
      }),
    );
    for (const e of entryIds) {
      const fields = { [e.field]: e.value.toString('utf8') };
      const invalidUtf8 = !require('node:buffer').isUtf8(e.value);
      const expected = parseEventEntry({ id: e.id, fields, bytes: e.value.length, ...(invalidUtf8 ? { invalidUtf8: [e.field] } : {}) }, { maxBytes: 64 * 1024 });
      if (expected && !expected.ok) {
        expect([e.id, dead.get(e.id)?.code]).toEqual([e.id, expected.dead.code]);
        expect(dead.get(e.id)?.reason).toBeTruthy();
      } else {
        expect([e.id, dead.has(e.id)]).toEqual([e.id, false]);
      }
    }
  });

  it('afterwards: nothing left running, no side effect repeated under another key, and a valid event still runs', async () => {
    const marker = `after-fuzz-${SEED}`;
    expectWellFormed(await call(TEAM, 'POST', '/api/v1/events', JSON.stringify({ id: marker, type: 'custom.fuzz', payload: { n: marker } })), 'valid event');
    await eventually(async () => sink.requests.some((r) => (r.json as any)?.message === marker), 'the valid event to run', 30_000);
    await eventually(async () => {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM "${env.schema}".executions WHERE status IN ('queued', 'running')`);
      return rows[0].n === 0;
    }, 'no execution left queued or running', 60_000);
    const keysByExecution = new Map<string, Set<string>>();
    for (const r of sink.requests) {
      const executionId = (r.json as any)?.execution?.id as string;
      const set = keysByExecution.get(executionId) ?? new Set<string>();
      set.add(String(r.headers['idempotency-key']));
      keysByExecution.set(executionId, set);
    }
    for (const [id, keys] of keysByExecution) expect([id, keys.size]).toEqual([id, 1]);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM "${env.schema}".executions WHERE pipeline_id = $1 AND status = 'succeeded'`, [pipelineId]);
    expect(rows[0].n).toBe(keysByExecution.size);
    expect(requests + entryIds.length).toBeGreaterThanOrEqual(500);
  });
});
