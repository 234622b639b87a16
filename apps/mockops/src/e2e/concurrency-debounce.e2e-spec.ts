import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher } from '@mockops/event-stream';
import { openInfrastructure, type Infrastructure } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, startMockopsProcess, type HttpSink, type MockopsProcess, type TestEnv } from '@mockops/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pipeline with one webhook step posting `message` to `url`, plus the YAML given for `concurrency:` / the trigger. */
function hookPipeline(name: string, url: string, opts: { concurrency?: string; debounce?: string; message?: string } = {}): string {
  return `name: ${name}
definition:
  triggers:
    - event: scenario.published
${opts.debounce ?? ''}${opts.concurrency ?? ''}  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${url}"
        message: "${opts.message ?? '{{event.scenario_name}}'}"
`;
}

// The runtime as Kubernetes runs it: two matcher replicas and two notify workers, each its own process
// from the build; the test talks to Postgres and Redis directly (create pipelines, publish events).
describe('concurrency groups and debounce on the real runtime', () => {
  let env: TestEnv;
  let infra: Infrastructure;
  let hooks: HttpSink;
  let publisher: EventPublisher;
  let matchers: MockopsProcess[] = [];
  const workers: MockopsProcess[] = [];
  let n = 0;
  // Headless apps say `<app> started` at the log level.
  const processEnv = () => ({ ...env.env, LOG_LEVEL: 'log' });

  beforeAll(async () => {
    hooks = await startHttpSink();
    env = await createTestEnv();
    infra = await openInfrastructure(env.config);
    publisher = new EventPublisher(infra.redis, { stream: env.config.events.stream });
    for (let i = 0; i < 2; i++) matchers.push(await startMockopsProcess('trigger-matcher', processEnv(), { http: false }));
    for (let i = 0; i < 2; i++) workers.push(await startMockopsProcess('worker-notify', processEnv(), { http: false }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...matchers, ...workers].map((p) => p?.stop()));
    await infra?.close();
    await hooks?.stop();
    await env?.cleanup();
  });

  async function createPipeline(source: string, workspaceId: string | null = null) {
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await infra.store.createPipeline({ name: parsed.document.name, workspaceId, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    await infra.notifier.notify(p.id, 'created');
    return p;
  }

  const publish = (payload: Record<string, unknown>, workspaceId = 'w1') =>
    publisher.publish('scenario.published', { scenario_id: 'sc-1', version: '1', workspace_id: workspaceId, ...payload }, { id: `ev-${++n}`, workspaceId });

  async function executionsOf(pipelineId: string) {
    const { items } = await infra.store.listExecutions({ pipelineId, limit: 100 });
    return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }

  it('cancel_in_progress: a newer event cancels the running execution, whose step stops through its abort signal; the newer one runs', async () => {
    const path = `/cip-${++n}`;
    const p = await createPipeline(
      hookPipeline('cancel-in-progress', `${hooks.url}${path}`, { concurrency: `  concurrency:\n    group: "promote-{{event.scenario_id}}"\n    cancel_in_progress: true\n` }),
    );
    // The first call is held until its client goes away; the others are answered.
    hooks.respondWith((req) => (req.pathname === path && (req.json as { message: string }).message === 'first' ? new Promise<number>(() => undefined) : 200));
    await publish({ scenario_name: 'first' });
    await eventually(async () => hooks.requests.some((r) => r.pathname === path), 'the first execution to call the webhook');
    await publish({ scenario_name: 'second' });

    const aborted = await hooks.waitForAborted(1, 15_000);
    expect(aborted.map((r) => (r.json as { message: string }).message)).toEqual(['first']);
    const [first, second] = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length === 2 && list[1].status === 'succeeded' ? list : undefined;
    }, 'the second execution to succeed', 20_000);
    expect(first).toMatchObject({ status: 'cancelled', error: expect.stringContaining('cancel_in_progress') });
    const detail = await infra.store.getExecution(first.id);
    expect(detail!.stepRuns[0].status).toBe('cancelled');
    expect(second.event.payload).toMatchObject({ scenario_name: 'second' });
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(['first', 'second']);
  });

  it('a queued group runs its executions one at a time, in event order, across two worker processes', async () => {
    const path = `/serial-${++n}`;
    const p = await createPipeline(hookPipeline('one-at-a-time', `${hooks.url}${path}`, { concurrency: `  concurrency:\n    group: deploys\n` }));
    let inFlight = 0;
    let maxInFlight = 0;
    hooks.respondWith(async (req) => {
      if (req.pathname !== path) return 200;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(250);
      inFlight--;
      return 200;
    });
    const names = Array.from({ length: 6 }, (_, i) => `run-${i}`);
    for (const name of names) await publish({ scenario_name: name, scenario_id: name });

    // The others wait as `queued` while one runs.
    const queuedSeen = await eventually(async () => (await executionsOf(p.id)).filter((e) => e.status === 'queued').length >= 3 || undefined, 'executions to wait', 10_000);
    expect(queuedSeen).toBe(true);
    const done = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length === names.length && list.every((e) => e.status === 'succeeded') ? list : undefined;
    }, 'every execution to succeed', 30_000);
    expect(maxInFlight).toBe(1);
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(names);
    // One after the other: each started after the previous finished.
    const byStart = [...done].sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
    expect(byStart.map((e) => e.event.payload.scenario_name)).toEqual(names);
    for (let i = 1; i < byStart.length; i++) expect(byStart[i].startedAt! >= byStart[i - 1].finishedAt!).toBe(true);
  });

  it('a group whose holder ended without releasing it (its process died) is released by the sweepers', async () => {
    const path = `/orphan-${++n}`;
    const p = await createPipeline(hookPipeline('orphaned-group', `${hooks.url}${path}`, { concurrency: `  concurrency: orphans\n` }));
    hooks.respondWith((req) => (req.pathname === path && (req.json as { message: string }).message === 'held' ? new Promise<number>(() => undefined) : 200));
    await publish({ scenario_name: 'held' });
    await eventually(async () => hooks.requests.some((r) => r.pathname === path), 'the first execution to call the webhook');
    await publish({ scenario_name: 'next' });
    const [held] = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length === 2 && list[1].status === 'queued' ? list : undefined;
    }, 'the second execution to wait');
    // The workers are killed (none is left to notice the cancel or to start what comes next), then the
    // held execution is ended straight in Postgres, as by a process killed right after ending it: only
    // the sweepers (in the matchers and in the fresh workers) can start the waiting execution.
    for (const w of workers) {
      w.child.kill('SIGKILL');
      await new Promise((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r(null) : w.child.once('exit', r)));
    }
    await infra.store.cancelExecution(held.id);
    for (let i = 0; i < workers.length; i++) workers[i] = await startMockopsProcess('worker-notify', processEnv(), { http: false });
    await eventually(async () => (await executionsOf(p.id))[1]?.status === 'succeeded', 'the waiting execution to start and succeed', 15_000);
  });

  it('a re-run joins its group again and waits for the running execution', async () => {
    const path = `/rerun-${++n}`;
    const p = await createPipeline(hookPipeline('rerun-in-group', `${hooks.url}${path}`, { concurrency: `  concurrency: rerun-group\n` }));
    let release: () => void = () => undefined;
    const held = new Promise<number>((r) => (release = () => r(200)));
    hooks.respondWith((req) => (req.pathname === path && (req.json as { message: string }).message === 'held' ? held : 200));
    await publish({ scenario_name: 'done' });
    const [done] = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    }, 'the first execution to succeed');
    await publish({ scenario_name: 'held' });
    await eventually(async () => hooks.requests.some((r) => r.pathname === path && (r.json as { message: string }).message === 'held'), 'the second to call the webhook');

    // As POST /executions/:id/rerun does it.
    await infra.store.rerunExecution(done.id);
    await infra.advancer.advance(done.id);
    await sleep(500);
    expect(await infra.store.getExecution(done.id)).toMatchObject({ status: 'queued', runAttempt: 2, concurrencyGroup: 'rerun-group' });
    release();
    await eventually(async () => (await infra.store.getExecution(done.id))?.status === 'succeeded', 'the re-run to run after the held one');
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(['done', 'held', 'done']);
  });

  it('a group name chosen by another workspace neither queues behind nor cancels this workspace’s runs', async () => {
    const path = `/tenant-${++n}`;
    const concurrency = `  concurrency:\n    group: deploys\n    cancel_in_progress: true\n`;
    const victim = await createPipeline(hookPipeline('victim', `${hooks.url}${path}`, { concurrency, message: 'victim' }), 'ws-victim');
    const attacker = await createPipeline(hookPipeline('attacker', `${hooks.url}${path}`, { concurrency, message: 'attacker' }), 'ws-attacker');
    let releaseVictim: () => void = () => undefined;
    const held = new Promise<number>((r) => (releaseVictim = () => r(200)));
    hooks.respondWith((req) => (req.pathname === path && (req.json as { message: string }).message === 'victim' ? held : 200));
    await publish({ scenario_name: 'v' }, 'ws-victim');
    await eventually(async () => hooks.requests.some((r) => r.pathname === path), 'the victim to call the webhook');
    for (let i = 0; i < 3; i++) await publish({ scenario_name: `a${i}` }, 'ws-attacker');
    await eventually(async () => {
      const list = await executionsOf(attacker.id);
      // The attacker's own cancel_in_progress may cancel its older runs; its newest one succeeds.
      return list.length === 3 && list.every((e) => e.status === 'succeeded' || e.status === 'cancelled') && list.some((e) => e.status === 'succeeded');
    }, "the attacker's executions to end", 20_000);
    // The victim's execution was neither cancelled nor blocked from running.
    const [victimRun] = await executionsOf(victim.id);
    expect(victimRun.status).toBe('running');
    releaseVictim();
    await eventually(async () => (await executionsOf(victim.id))[0].status === 'succeeded', 'the victim to succeed');
    expect(hooks.aborted.filter((r) => r.pathname === path)).toEqual([]);
  });

  it('debounce: a burst of 20 events with one key starts one execution, after the quiet period, with the last event', async () => {
    const path = `/burst-${++n}`;
    const p = await createPipeline(
      hookPipeline('debounced', `${hooks.url}${path}`, { debounce: `      debounce:\n        key: "{{event.scenario_id}}"\n        period: 3s\n`, message: '{{event.scenario_name}}' }),
    );
    let last = '';
    for (let i = 1; i <= 20; i++) last = (await publish({ scenario_id: 'burst', scenario_name: `b${i}` })).entryId!;
    // One burst, holding the last event, due one period after that event reached the stream.
    const [burst] = await eventually(async () => {
      const open = await infra.store.openBursts(p.id);
      return open.length === 1 && open[0].count === 20 ? open : undefined;
    }, 'the twenty events to join one burst');
    expect(burst).toMatchObject({ eventId: `ev-${n}` });
    expect(Date.parse(burst.fireAt)).toBe(Number(last.split('-')[0]) + 3000);
    const [only] = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length ? list : undefined;
    }, 'the burst to start its execution', 15_000);
    expect(Date.parse(only.queuedAt)).toBeGreaterThanOrEqual(Date.parse(burst.fireAt));
    expect(only.event.payload).toMatchObject({ scenario_name: 'b20' });
    await eventually(async () => (await executionsOf(p.id))[0].status === 'succeeded', 'the execution to succeed');
    await sleep(2500);
    expect(await executionsOf(p.id)).toHaveLength(1);
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(['b20']);
  });

  it("debounce: a global pipeline never merges two workspaces' events into one burst", async () => {
    const path = `/burst-tenants-${++n}`;
    const p = await createPipeline(
      hookPipeline('debounced-global', `${hooks.url}${path}`, { debounce: `      debounce:\n        key: "{{event.scenario_id}}"\n        period: 2s\n`, message: '{{workspace_id}} {{event.scenario_name}}' }),
    );
    hooks.respondWith(() => 200);
    for (let i = 1; i <= 3; i++) {
      await publish({ scenario_id: 'same-key', scenario_name: `a${i}` }, 'ws-a');
      await publish({ scenario_id: 'same-key', scenario_name: `b${i}` }, 'ws-b');
    }
    await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length === 2 && list.every((e) => e.status === 'succeeded');
    }, 'one execution per workspace', 15_000);
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message).sort()).toEqual(['ws-a a3', 'ws-b b3']);
  });

  it('debounce survives its matchers killed mid-period: new matchers fire the burst once', async () => {
    const path = `/restart-${++n}`;
    const p = await createPipeline(
      hookPipeline('debounced-restart', `${hooks.url}${path}`, { debounce: `      debounce:\n        key: "{{event.scenario_id}}"\n        period: 6s\n`, message: '{{event.scenario_name}}' }),
    );
    for (let i = 1; i <= 10; i++) await publish({ scenario_id: 'restart', scenario_name: `r${i}` });
    await eventually(async () => (await infra.store.openBursts(p.id))[0]?.count === 10, 'the first ten events to join the burst', 10_000);
    for (const m of matchers) {
      m.child.kill('SIGKILL');
      await new Promise((r) => (m.child.exitCode !== null ? r(null) : m.child.once('exit', r)));
    }
    for (let i = 11; i <= 20; i++) await publish({ scenario_id: 'restart', scenario_name: `r${i}` });
    // The new matchers start after the burst would have been due had r11–r20 not been sent: they must
    // handle those (they arrived inside the period) before the burst fires.
    await sleep(7000);
    matchers = [];
    for (let i = 0; i < 2; i++) matchers.push(await startMockopsProcess('trigger-matcher', processEnv(), { http: false }));
    const [only] = await eventually(async () => {
      const list = await executionsOf(p.id);
      return list.length ? list : undefined;
    }, 'the burst to start its execution', 30_000);
    expect(only.event.payload).toMatchObject({ scenario_name: 'r20' });
    await eventually(async () => (await executionsOf(p.id))[0].status === 'succeeded', 'the execution to succeed');
    await sleep(2000);
    expect(await executionsOf(p.id)).toHaveLength(1);
    expect(await infra.store.openBursts(p.id)).toEqual([]);
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(['r20']);
  });

  it('a key or group that cannot be rendered: the debounced event starts at once, the grouped execution fails with the reason', async () => {
    const path = `/unrenderable-${++n}`;
    const debounced = await createPipeline(
      hookPipeline('bad-debounce-key', `${hooks.url}${path}`, { debounce: `      debounce:\n        key: "{{event.no_such_field}}"\n        period: 1m\n`, message: 'debounced' }),
    );
    const grouped = await createPipeline(hookPipeline('bad-group', `${hooks.url}${path}`, { concurrency: `  concurrency: "g-{{event.no_such_field}}"\n`, message: 'grouped' }));
    hooks.respondWith(() => 200);
    await publish({ scenario_name: 'x' });
    await eventually(async () => (await executionsOf(debounced.id))[0]?.status === 'succeeded', 'the debounced pipeline to run at once', 10_000);
    const [failed] = await eventually(async () => {
      const list = await executionsOf(grouped.id);
      return list[0]?.status === 'failed' ? list : undefined;
    }, 'the grouped execution to fail');
    expect(failed.error).toContain('concurrency.group');
    expect(failed.error).toContain('no_such_field');
    expect((await infra.store.getExecution(failed.id))!.stepRuns[0].status).toBe('skipped');
    expect(hooks.requests.filter((r) => r.pathname === path).map((r) => (r.json as { message: string }).message)).toEqual(['debounced']);
  });
});
