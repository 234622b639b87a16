import { Redis } from 'ioredis';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, type HttpSink, type ReceivedRequest, type TestEnv } from '@mockops/testing';

// `needs:` and `if:` on the real runtime (stream, matcher, BullMQ notify workers, Postgres, REST API):
// a diamond whose branches run at the same time, a failure path that runs only on failure, `always()`.

const ADMIN = 'admin-key-lang-e2e-0001';
const TEAM = 'team-key-lang-e2e-0002';
const WS = 'ws-lang';

function diamondPipeline(sink: string): string {
  return `name: diamond
definition:
  triggers:
    - event: drift.threshold_exceeded
      filters:
        endpoint: /diamond
  steps:
    - name: start
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/start"
        message: "start {{event.endpoint}}"
    - name: left
      step_type: notify
      needs: start
      config:
        type: webhook
        webhook_url: "${sink}/left"
        message: "left"
    - name: right
      step_type: notify
      needs: start
      config:
        type: webhook
        webhook_url: "${sink}/right"
        message: "right"
    - name: join
      step_type: notify
      needs: [left, right]
      config:
        type: webhook
        webhook_url: "${sink}/join"
        message: "joined {{steps.left.outputs.response_excerpt}}+{{steps.right.outputs.response_excerpt}} after start {{steps.start.outputs.status}}"
`;
}

function failurePathPipeline(sink: string): string {
  return `name: failure-path
definition:
  triggers:
    - event: drift.threshold_exceeded
      filters:
        endpoint: [/ok, /broken, /quiet]
  steps:
    - name: deploy
      step_type: notify
      if: event.drift_count > 0
      config:
        type: webhook
        webhook_url: "${sink}/deploy"
        message: "deploy {{event.endpoint}}"
    - name: tell_team
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/tell"
        message: "deployed {{event.endpoint}}"
    - name: page_oncall
      step_type: notify
      needs: [deploy, tell_team]
      if: failure()
      config:
        type: webhook
        webhook_url: "${sink}/page"
        message: "deploy of {{event.endpoint}} failed"
    - name: record
      step_type: notify
      needs: [page_oncall]
      if: \${{ always() }}
      config:
        type: webhook
        webhook_url: "${sink}/record"
        message: "deploy={{steps.deploy.outputs.status | default: 'none'}}"
`;
}

const pathOf = (r: ReceivedRequest) => r.pathname;
const messageOf = (r: ReceivedRequest) => (r.json as { message: string }).message;

describe('needs and if on the real runtime', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let sink: HttpSink;
  /** Requests to /left and /right held until both arrived: the branches must run at the same time. */
  const branchesArrived: string[] = [];
  let releaseBranches: () => void = () => undefined;
  const bothBranches = new Promise<void>((resolve) => (releaseBranches = resolve));
  let seq = 0;

  const api = async (method: string, path: string, body?: unknown, key = TEAM) => {
    const res = await fetch(`${service.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : typeof body === 'string' ? { 'content-type': 'application/yaml' } : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    sink = await startHttpSink({
      respond: async (req) => {
        const path = pathOf(req);
        if (path === '/left' || path === '/right') {
          branchesArrived.push(path);
          if (branchesArrived.length >= 2) releaseBranches();
          // Each branch waits for the other one's request: only parallel branches both get an answer.
          const both = await Promise.race([bothBranches.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref())]);
          // (Not the path's words: the webhook URL's path is masked in outputs like a credential.)
          return both ? { status: 200, body: path === '/left' ? 'west-ok' : 'east-ok' } : { status: 500, body: 'the other branch never started' };
        }
        if (path === '/deploy' && messageOf(req).includes('/broken')) return { status: 400, body: 'bad deploy' };
        return { status: 200, body: 'ok' };
      },
    });
    env = await createTestEnv({ MOCKOPS_API_KEYS: `${ADMIN}:admin,${TEAM}:ws=${WS}` });
    service = await startService({ name: 'lang-e2e', matcher: true, handlers: ['notify'], gateway: true }, { config: env.config });
    redis = new Redis(TEST_REDIS_URL);
    for (const source of [diamondPipeline(sink.url), failurePathPipeline(sink.url)]) {
      const created = await api('POST', `pipelines?workspace_id=${WS}`, source);
      expect(created.status).toBe(201);
    }
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 2, 'the matcher to index both pipelines');
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await sink?.stop();
    await env?.cleanup();
  });

  async function publish(endpoint: string, driftCount = 3): Promise<string> {
    const id = `lang-${++seq}`;
    const payload = { endpoint, drift_count: driftCount, threshold: 1, drift_data: {} };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id, type: 'drift.threshold_exceeded', workspace_id: WS, payload }));
    return id;
  }

  async function finishedExecution(eventId: string) {
    return eventually(async () => {
      const page = await service.infra.store.listExecutions({ limit: 100 });
      const e = page.items.find((x) => x.eventId === eventId);
      if (!e || !['succeeded', 'failed', 'cancelled'].includes(e.status)) return undefined;
      const detail = await api('GET', `executions/${e.id}`);
      return detail.body as { id: string; status: string; error: string | null; steps: { name: string; status: string; skip_reason: { code: string; message: string } | null; started_at: string; finished_at: string }[] };
    }, `the execution of ${eventId} to finish`, 30_000);
  }

  const summary = (e: Awaited<ReturnType<typeof finishedExecution>>) => e.steps.map((s) => [s.name, s.status, s.skip_reason?.message ?? null]);

  it("runs the two branches of a diamond at the same time, then the join once with every ancestor's outputs", async () => {
    sink.reset();
    const eventId = await publish('/diamond');
    const done = await finishedExecution(eventId);
    expect(summary(done)).toEqual([
      ['start', 'succeeded', null],
      ['left', 'succeeded', null],
      ['right', 'succeeded', null],
      ['join', 'succeeded', null],
    ]);
    expect(done.status).toBe('succeeded');
    expect(branchesArrived.sort()).toEqual(['/left', '/right']);
    // Both branches started before either finished.
    const [left, right] = [done.steps[1], done.steps[2]];
    expect(Date.parse(left.started_at)).toBeLessThan(Date.parse(right.finished_at));
    expect(Date.parse(right.started_at)).toBeLessThan(Date.parse(left.finished_at));
    const joins = sink.requests.filter((r) => pathOf(r) === '/join');
    expect(joins).toHaveLength(1);
    expect(messageOf(joins[0])).toBe('joined west-ok+east-ok after start 200');
  });

  it('runs the failure path only when a step failed, and always() steps either way', async () => {
    sink.reset();
    const broken = await finishedExecution(await publish('/broken'));
    expect(summary(broken)).toEqual([
      ['deploy', 'failed', null],
      ['tell_team', 'skipped', 'needs "deploy", which failed'],
      ['page_oncall', 'succeeded', null],
      ['record', 'succeeded', null],
    ]);
    // The failure was handled, not undone.
    expect(broken.status).toBe('failed');
    expect(broken.error).toMatch(/step "deploy" failed: .*400/);
    expect(broken.steps[1].skip_reason).toMatchObject({ code: 'NEED_FAILED', need: 'deploy' });
    expect(sink.requests.filter((r) => pathOf(r) === '/page').map(messageOf)).toEqual(['deploy of /broken failed']);
    expect(sink.requests.filter((r) => pathOf(r) === '/record').map(messageOf)).toEqual(['deploy=none']);

    sink.reset();
    const ok = await finishedExecution(await publish('/ok'));
    expect(ok.status).toBe('succeeded');
    expect(summary(ok)).toEqual([
      ['deploy', 'succeeded', null],
      ['tell_team', 'succeeded', null],
      ['page_oncall', 'skipped', 'if: failure() is false'],
      ['record', 'succeeded', null],
    ]);
    expect(ok.steps[2].skip_reason).toMatchObject({ code: 'CONDITION_FALSE', condition: 'failure()' });
    expect(sink.requests.some((r) => pathOf(r) === '/page')).toBe(false);
    expect(sink.requests.filter((r) => pathOf(r) === '/record').map(messageOf)).toEqual(['deploy=200']);
  });

  it('skips a first step whose condition is false on the event, with the reason, and still runs always()', async () => {
    sink.reset();
    const quiet = await finishedExecution(await publish('/quiet', 0));
    expect(quiet.status).toBe('succeeded');
    expect(summary(quiet)).toEqual([
      ['deploy', 'skipped', 'if: event.drift_count > 0 is false'],
      ['tell_team', 'skipped', 'needs "deploy", which was skipped'],
      ['page_oncall', 'skipped', 'if: failure() is false'],
      ['record', 'succeeded', null],
    ]);
    expect(sink.requests.map(pathOf)).toEqual(['/record']);
  });
});
