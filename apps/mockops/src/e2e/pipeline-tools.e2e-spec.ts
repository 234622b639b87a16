import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';

// The tools around runs (dry run, re-run from the failure, backtest, replay) on the real runtime,
// through the REST API, as two workspaces' keys: neither may see or use the other's pipelines,
// executions, events or secrets.

const ADMIN = 'admin-key-tools-e2e-0001';
const TEAM = 'team-key-tools-e2e-0002';
const OTHER = 'other-key-tools-e2e-0003';
const WS = 'ws-tools';
const OTHER_WS = 'ws-rival';
const HOOK_SECRET_VALUE = 'whsec_TOOLS_secret_value_9931';

const ROOT = resolve(__dirname, '../../../..');
const BIN = join(ROOT, 'apps/cli/bin/mockforge.js');

/** Runs `mockforge` as a user would (its own process), against the running gateway. */
function mockforge(url: string, key: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, MOCKFORGE_API_URL: url, MOCKFORGE_API_KEY: key } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function flakyPipeline(sink: string): string {
  return `name: flaky-deploy
definition:
  triggers:
    - event: drift.threshold_exceeded
      filters:
        workspace_id: ${WS}
        endpoint: /flaky
  steps:
    - name: announce
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/announce"
        message: "deploying {{event.endpoint}}"
    - name: deploy
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/deploy"
        message: "deploy after announce answered {{steps.announce.outputs.status}}"
    - name: verify
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/verify"
        message: "verify {{event.endpoint}}"
`;
}

function hookPipeline(name: string, sink: string, workspace = WS): string {
  return `name: ${name}
definition:
  triggers:
    - event: drift.threshold_exceeded
      filters:
        workspace_id: ${workspace}
        endpoint: [/pets, /users]
  steps:
    - name: announce
      step_type: notify
      config:
        type: webhook
        webhook_url: "${sink}/announce"
        webhook_secret: "{{secrets.HOOK_KEY}}"
        message: "drift on {{event.endpoint}}: {{event.drift_count}}"
    - name: report
      step_type: notify
      if: event.drift_count > 5
      config:
        type: webhook
        webhook_url: "${sink}/report"
        message: "{{steps.announce.outputs.status}} for {{event.endpoint}}"
`;
}

describe('pipeline tools on the real runtime', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let sink: HttpSink;

  const api = async (method: string, path: string, body?: unknown, key = TEAM) => {
    const res = await fetch(`${service.url}/api/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  };

  /** /deploy fails (400, permanent) while this is true. */
  let deployBroken = true;

  beforeAll(async () => {
    sink = await startHttpSink({ respond: (req) => (req.pathname === '/deploy' && deployBroken ? { status: 400, body: 'deploy target refused' } : 200) });
    env = await createTestEnv({ MOCKOPS_API_KEYS: `${ADMIN}:admin,${TEAM}:ws=${WS},${OTHER}:ws=${OTHER_WS}` });
    service = await startService({ name: 'tools-e2e', matcher: true, handlers: ['notify'], gateway: true }, { config: env.config });
    redis = new Redis(TEST_REDIS_URL);
    expect((await api('PUT', `workspaces/${WS}/secrets/HOOK_KEY`, { value: HOOK_SECRET_VALUE })).status).toBe(201);
    expect((await api('PUT', `workspaces/${OTHER_WS}/secrets/HOOK_KEY`, { value: 'rival-secret-value-77' }, OTHER)).status).toBe(201);
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await sink?.stop();
    await env?.cleanup();
  });

  const driftEvent = (endpoint: string, driftCount: number, workspace = WS, id?: string) => ({
    ...(id ? { id } : {}),
    type: 'drift.threshold_exceeded',
    workspace_id: workspace,
    payload: { endpoint, drift_count: driftCount, threshold: 1, drift_data: {} },
  });

  describe('POST /pipelines/test (dry run)', () => {
    it('says which trigger matches, decides the ifs it can, renders configs with secrets masked, and saves nothing', async () => {
      const res = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/pets', 9) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ pipeline: 'dry', matched: true, trigger: 0, workspace: { matched: true } });
      const [announce, report] = res.body.plan.steps;
      expect(announce).toMatchObject({ name: 'announce', outcome: 'runs', secrets: [{ name: 'HOOK_KEY', field: 'webhook_secret' }] });
      expect(announce.config).toMatchObject({ webhook_secret: '***', message: 'drift on /pets: 9' });
      // `success() && event.drift_count > 5`: true on the event, then decided by announce's result.
      expect(report).toMatchObject({
        needs: ['announce'],
        condition: { source: 'event.drift_count > 5', decidable_now: false, runtime_inputs: ['steps.announce.status'] },
        outcome: 'runs',
      });
      expect(report.rendered_at_run_time).toEqual([{ path: 'message', reason: 'reads the outputs of step "announce", known once it has run' }]);
      expect(res.text).not.toContain(HOOK_SECRET_VALUE);
      expect((await service.infra.store.listPipelines({ limit: 100 })).items).toEqual([]);
    });

    it('names the failing filter and the value the event has there', async () => {
      const res = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/orders', 2) });
      expect(res.status).toBe(200);
      expect(res.body.matched).toBe(false);
      expect(res.body.triggers[0]).toMatchObject({
        matched: false,
        reason: 'FILTER',
        message: 'filter endpoint: expected ["/pets","/users"], the event has "/orders" (payload)',
      });
      expect(res.body.plan.steps[1]).toMatchObject({ condition: { value: false }, outcome: 'skipped', skip_reason: { code: 'CONDITION_FALSE' } });
    });

    it("refuses another workspace: its owner, its saved pipelines and its secrets", async () => {
      const asRival = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: driftEvent('/pets', 9), workspace_id: OTHER_WS });
      expect(asRival.status).toBe(403);
      const rival = await api('POST', 'pipelines', hookPipeline('rival-pipeline', sink.url, OTHER_WS), OTHER);
      expect(rival.status).toBe(201);
      const saved = await api('POST', 'pipelines/test', { pipeline_id: rival.body.id, event: driftEvent('/pets', 9, OTHER_WS) });
      expect(saved.status).toBe(404);
      expect(saved.text).not.toContain('rival-pipeline');
      // A secret set only in the rival workspace is unknown here, by name, with the usual save-time error.
      const stolen = await api('POST', 'pipelines/test', {
        pipeline: hookPipeline('dry', sink.url).replace('HOOK_KEY', 'RIVAL_ONLY'),
        event: driftEvent('/pets', 9),
      });
      expect((await api('PUT', `workspaces/${OTHER_WS}/secrets/RIVAL_ONLY`, { value: 'rival-only-value' }, OTHER)).status).toBe(201);
      const again = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url).replace('HOOK_KEY', 'RIVAL_ONLY'), event: driftEvent('/pets', 9) });
      // Before and after the rival set it: not set in this workspace (a warning), never resolved.
      for (const res of [stolen, again]) {
        expect(res.status).toBe(200);
        expect(res.text).toContain(`secret RIVAL_ONLY is not set in workspace ${WS}`);
        expect(res.text).not.toContain('rival-only-value');
      }
      await api('DELETE', `pipelines/${rival.body.id}`, undefined, OTHER);
    });

    it('answers 400 for an invalid event or pipeline, with the reason', async () => {
      const badEvent = await api('POST', 'pipelines/test', { pipeline: hookPipeline('dry', sink.url), event: { type: 'drift.threshold_exceeded', payload: { endpoint: '/x' } } });
      expect(badEvent.status).toBe(400);
      expect(badEvent.body.message).toMatch(/event is invalid: payload\.drift_count/);
      const badPipeline = await api('POST', 'pipelines/test', { pipeline: 'name: x\ndefinition:\n  triggers: []\n  steps: []\n', event: driftEvent('/pets', 1) });
      expect(badPipeline.status).toBe(400);
    });
  });

  describe('re-run from the failed step', () => {
    jest.setTimeout(120_000);

    const detail = async (id: string, key = TEAM) => (await api('GET', `executions/${id}`, undefined, key)).body;
    const finished = (id: string, attempt: number) =>
      eventually(async () => {
        const e = await detail(id);
        return e.run_attempt === attempt && ['succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
      }, `execution ${id} attempt ${attempt} to finish`, 30_000);

    it('keeps the steps that succeeded with their outputs, runs the rest, and shows the lineage (API and CLI)', async () => {
      const created = await api('POST', 'pipelines', flakyPipeline(sink.url));
      expect(created.status).toBe(201);
      await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the pipeline to be indexed');
      sink.reset();
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(driftEvent('/flaky', 3, WS, 'flaky-1')));
      const first = await eventually(async () => (await service.infra.store.listExecutions({ pipelineId: created.body.id })).items[0], 'the execution');
      const failed = await finished(first.id, 1);
      expect(failed.status).toBe('failed');
      expect(failed.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
        ['announce', 'succeeded'],
        ['deploy', 'failed'],
        ['verify', 'skipped'],
      ]);
      const announcedOutputs = failed.steps[0].outputs;

      // Another workspace cannot re-run it, nor learn that it exists.
      expect((await api('POST', `executions/${first.id}/rerun?from=failed`, undefined, OTHER)).status).toBe(404);
      expect((await api('POST', `executions/${first.id}/rerun?from=everything`)).status).toBe(400);

      deployBroken = false;
      const cli = await mockforge(service.url!, TEAM, ['pipelines', 'rerun', first.id, '--from-failed']);
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`^Execution ${first.id} (queued|running|succeeded) \\(run attempt 2\\)\n  announce: kept from run attempt 1\n$`));

      const done = await finished(first.id, 2);
      expect(done.status).toBe('succeeded');
      expect(done.steps.map((s: { name: string; status: string; reused_from_attempt: number | null }) => [s.name, s.status, s.reused_from_attempt])).toEqual([
        ['announce', 'succeeded', 1],
        ['deploy', 'succeeded', null],
        ['verify', 'succeeded', null],
      ]);
      expect(done.lineage).toEqual({ run_attempt: 2, reused: [{ step: 'announce', from_attempt: 1 }] });
      expect(done.steps[0].outputs).toEqual(announcedOutputs);
      // announce ran once, in attempt 1; deploy read its kept outputs in attempt 2.
      expect(sink.requests.filter((r) => r.pathname === '/announce')).toHaveLength(1);
      const deploys = sink.requests.filter((r) => r.pathname === '/deploy');
      expect(deploys.map((r) => (r.json as { message: string }).message)).toEqual(['deploy after announce answered 200', 'deploy after announce answered 200']);

      const shown = await mockforge(service.url!, TEAM, ['execution', first.id]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/Run attempt:\s+2/);
      expect(shown.stdout).toMatch(/announce\s+notify\s+succeeded \(kept from run 1\)/);

      // Nothing failed any more: from=failed has nothing to start from.
      const again = await api('POST', `executions/${first.id}/rerun?from=failed`);
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/every step .* succeeded/);
      await api('DELETE', `pipelines/${created.body.id}`);
    });
  });

  describe('POST /pipelines/backtest', () => {
    jest.setTimeout(120_000);

    const streamIds = async (workspace: string) =>
      ((await redis.xrange(env.config.events.stream, '-', '+')) as [string, string[]][])
        .map(([, flat]) => JSON.parse(flat[1]) as { id?: string; workspace_id?: string })
        .filter((e) => e.workspace_id === workspace);

    it("agrees with a real run over the same events, sees only the caller's workspace, and survives the stream being trimmed", async () => {
      const created = await api('POST', 'pipelines', hookPipeline('counted', sink.url));
      expect(created.status).toBe(201);
      const pipelineId = created.body.id as string;
      const matcher = service.app.get(MatcherService).matcher;
      await eventually(async () => matcher.index.get(pipelineId) !== undefined && matcher.index.size === 1, 'only the new pipeline to be indexed');

      const plan: [string, number, string][] = [
        ['/pets', 3, WS],
        ['/orders', 9, WS],
        ['/users', 7, WS],
        ['/pets', 2, OTHER_WS],
        ['/pets', 4, WS],
        ['/orders', 1, WS],
        ['/users', 1, OTHER_WS],
        ['/users', 8, WS],
        ['/pets', 6, WS],
      ];
      const ids = plan.map((_, i) => `bt-${i}`);
      for (const [i, [endpoint, count, ws]] of plan.entries()) {
        await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(driftEvent(endpoint, count, ws, ids[i])));
      }
      const expectedMatches = ids.filter((_, i) => plan[i][2] === WS && plan[i][0] !== '/orders');
      // The real run: one execution per matching event of the workspace.
      const real = await eventually(async () => {
        const items = (await service.infra.store.listExecutions({ pipelineId, limit: 100 })).items;
        return items.length >= expectedMatches.length ? items : undefined;
      }, 'the real executions');
      expect(real.map((e) => e.eventId).sort()).toEqual([...expectedMatches].sort());

      const result = await api('POST', 'pipelines/backtest', { pipeline_id: pipelineId, since: '1h' });
      expect(result.status).toBe(200);
      expect(result.body.matched).toBe(real.length);
      expect(result.body.executions).toBe(real.length);
      expect(result.body.first_matches).toEqual(expectedMatches.slice(0, 5));
      // Every event of this workspace on the stream, and none of the other's.
      expect(result.body.events).toBe((await streamIds(WS)).length);
      expect(result.body.days).toEqual([{ date: new Date().toISOString().slice(0, 10), events: result.body.events, matched: real.length, executions: real.length }]);
      expect(result.text).not.toMatch(/bt-3|bt-6/);

      // The same file sent as text, as `mockforge pipelines backtest` does: the same counts.
      const file = join(mkdtempSync(join(tmpdir(), 'backtest-')), 'counted.yaml');
      writeFileSync(file, hookPipeline('counted', sink.url));
      const cli = await mockforge(service.url!, TEAM, ['pipelines', 'backtest', file, '--since', '1h', '-o', 'json']);
      expect(cli.stderr).toBe('');
      expect(JSON.parse(cli.stdout)).toMatchObject({ events: result.body.events, matched: real.length, first_matches: result.body.first_matches });
      const table = await mockforge(service.url!, TEAM, ['pipelines', 'backtest', file, '--since', '1h']);
      expect(table.stdout).toContain(`${real.length} of ${result.body.events} events matched`);

      // The rival workspace, with a pipeline matching everything, sees only its own two events.
      const rival = await api('POST', 'pipelines/backtest', { pipeline: hookPipeline('rival-all', sink.url, OTHER_WS), since: '1h' }, OTHER);
      expect(rival.status).toBe(200);
      expect(rival.body).toMatchObject({ events: 2, matched: 2, first_matches: ['bt-3', 'bt-6'] });
      expect((await api('POST', 'pipelines/backtest', { pipeline_id: pipelineId, since: '1h' }, OTHER)).status).toBe(404);
      expect((await api('POST', 'pipelines/backtest', { pipeline: hookPipeline('x', sink.url, OTHER_WS), workspace_id: OTHER_WS })).status).toBe(403);

      // Trimmed from the stream, the matched events are still known from the stored executions.
      await redis.xtrim(env.config.events.stream, 'MAXLEN', 0);
      const trimmed = await api('POST', 'pipelines/backtest', { pipeline_id: pipelineId, since: '1h' });
      expect(trimmed.body).toMatchObject({ matched: real.length, sources: { stream: 0 } });
      expect(trimmed.body.sources.executions).toBeGreaterThanOrEqual(real.length);
      // Nothing was created by the backtests.
      expect((await service.infra.store.listExecutions({ pipelineId, limit: 100 })).items).toHaveLength(real.length);
    });

    it('refuses a since it cannot read', async () => {
      const bad = await api('POST', 'pipelines/backtest', { pipeline: hookPipeline('x', sink.url), since: 'last week' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/since/);
      expect((await api('POST', 'pipelines/backtest', { pipeline: hookPipeline('x', sink.url), since: '365d' })).status).toBe(400);
    });
  });

  describe('replay: stored events and dead letters', () => {
    jest.setTimeout(120_000);

    const executionOf = (eventId: string) =>
      eventually(async () => (await service.infra.store.listExecutions({ limit: 100 })).items.find((e) => e.eventId === eventId), `an execution of ${eventId}`);

    it('re-publishes a stored event under a new id that records its origin; another workspace cannot', async () => {
      const pipeline = await api('POST', 'pipelines', hookPipeline('replayed', sink.url).replace('endpoint: [/pets, /users]', 'endpoint: /replay-me'));
      expect(pipeline.status).toBe(201);
      await eventually(async () => service.app.get(MatcherService).matcher.index.get(pipeline.body.id) !== undefined, 'the pipeline to be indexed');
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(driftEvent('/replay-me', 2, WS, 'orig-1')));
      const first = await executionOf('orig-1');

      expect((await api('POST', 'events/orig-1/replay', {}, OTHER)).status).toBe(404);
      expect((await api('POST', 'events/orig-1/replay', { workspace_id: OTHER_WS })).status).toBe(404);

      const cli = await mockforge(service.url!, TEAM, ['events', 'replay', 'orig-1']);
      expect(cli.stderr).toBe('');
      const [, newId] = /^Replayed event orig-1 as (\S+) \(stream entry \d+-\d+\)\n$/.exec(cli.stdout) ?? [];
      expect(newId).toMatch(/^replay-/);
      const second = await executionOf(newId);
      expect(second.id).not.toBe(first.id);
      const detail = (await api('GET', `executions/${second.id}`)).body;
      expect(detail.event).toMatchObject({ id: newId, replay_of: 'orig-1', workspace_id: WS, payload: { endpoint: '/replay-me', drift_count: 2 } });

      // With a chosen id the replay is idempotent.
      const once = await api('POST', 'events/orig-1/replay', { id: 'orig-1-again' });
      const twice = await api('POST', 'events/orig-1/replay', { id: 'orig-1-again' });
      expect([once.status, once.body.duplicate, twice.status, twice.body.duplicate]).toEqual([202, false, 202, true]);

      // An event no pipeline matched is found on the stream.
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(driftEvent('/nowhere', 1, WS, 'orig-2')));
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(driftEvent('/nowhere', 1, OTHER_WS, 'rival-orig')));
      const fromStream = await api('POST', 'events/orig-2/replay');
      expect(fromStream.status).toBe(202);
      expect(fromStream.body).toMatchObject({ replay_of: 'orig-2', found_in: 'stream', workspace_id: WS });
      expect((await api('POST', 'events/rival-orig/replay')).status).toBe(404);
      expect((await api('POST', 'events/no-such-event/replay')).status).toBe(404);
    });

    it('lists dead letters of its workspace and replays a corrected one (CLI), once', async () => {
      const broken = { id: 'dead-1', type: 'drift.threshold_exceeded', workspace_id: WS, payload: { endpoint: '/replay-me', threshold: 1, drift_data: {} } };
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(broken));
      await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ ...broken, id: 'rival-dead', workspace_id: OTHER_WS }));
      const listed = await eventually(async () => {
        const run = await mockforge(service.url!, TEAM, ['events', 'dead', 'list']);
        return run.stdout.includes('dead-1') ? run : undefined;
      }, 'the dead letter to be listed');
      expect(listed.stdout).toMatch(/^ENTRY\s+EVENT\s+WORKSPACE\s+REPLAYED\s+REASON/);
      expect(listed.stdout).not.toContain('rival-dead');
      const line = listed.stdout.split('\n').find((l) => l.includes('dead-1'))!;
      expect(line).toMatch(/drift_count/);
      const entry = line.split(/\s+/)[0];

      const fixedFile = join(mkdtempSync(join(tmpdir(), 'dead-')), 'fixed.json');
      writeFileSync(fixedFile, JSON.stringify({ ...broken, payload: { ...broken.payload, drift_count: 4 } }));
      const replayed = await mockforge(service.url!, TEAM, ['events', 'dead', 'replay', entry, '--data', `@${fixedFile}`]);
      expect(replayed.stderr).toBe('');
      expect(replayed.stdout).toMatch(new RegExp(`^Replayed dead entry ${entry} as stream entry \\d+-\\d+ \\(event dead-1, drift.threshold_exceeded\\)\n$`));
      await executionOf('dead-1');

      const again = await mockforge(service.url!, TEAM, ['events', 'dead', 'replay', entry]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already replayed/);
      const after = await mockforge(service.url!, TEAM, ['events', 'dead', 'list']);
      expect(after.stdout.split('\n').find((l) => l.startsWith(entry))).toMatch(/as \d+-\d+/);
      const rivalView = await mockforge(service.url!, OTHER, ['events', 'dead', 'list']);
      expect(rivalView.stdout).not.toContain('dead-1');
      expect((await mockforge(service.url!, OTHER, ['events', 'dead', 'replay', entry])).code).toBe(1);
    });
  });
});
