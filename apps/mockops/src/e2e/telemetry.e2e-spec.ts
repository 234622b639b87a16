import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, createTestEnv, eventually, freePort, startHttpSink, type HttpSink, type TestEnv } from '@mockops/testing';

const root = join(__dirname, '..', '..', '..', '..');
const SECRET = 'hook-token-7c1e9d4b2a';

/** An OTLP/HTTP (JSON) trace receiver: what an OpenTelemetry collector gets from the apps. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; stop(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes = Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, Object.values(a.value ?? {})[0]]));
            spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, spans, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Prometheus text → sample value by `name{labels}` (labels as printed by prom-client). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
}

const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

interface App {
  app: string;
  child: ChildProcess;
  output: string[];
  metricsPort: number;
}

// The apps as Kubernetes runs them (`node dist/apps/<app>/main.js`, each its own process), with
// tracing on (OTLP/HTTP to a local receiver) and JSON logs: after a real run, each app's /metrics has
// moved by exactly what happened, one event is one trace across the three processes, and the step's
// log lines carry its ids and never the secret it used.
describe('operating it: metrics, traces and logs of the apps as separate processes', () => {
  let env: TestEnv;
  let hooks: HttpSink;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let port: number;
  let api: string;
  let pipelineId: string;
  const apps: App[] = [];
  const byName = (name: string) => apps.find((a) => a.app === name)!;

  async function start(app: string): Promise<void> {
    const metricsPort = await freePort();
    const output: string[] = [];
    const child = spawn(process.execPath, [`dist/apps/${app}/main.js`], {
      cwd: root,
      env: { ...process.env, ...env.env, MOCKOPS_METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    apps.push({ app, child, output, metricsPort });
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited: ${output.join('')}`);
        return output.join('').includes(`${app} started`);
      },
      `${app} to start`,
      60_000,
    );
  }

  beforeAll(async () => {
    hooks = await startHttpSink();
    otlp = await startOtlpReceiver();
    port = await freePort();
    api = `http://127.0.0.1:${port}/api/v1`;
    env = await createTestEnv({
      PORT: String(port),
      LOG_LEVEL: 'log',
      MOCKOPS_LOG_FORMAT: 'json',
      MOCKOPS_METRICS_SAMPLE_MS: '300',
      MOCKOPS_SECRET_HOOK_TOKEN: SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    // The gateway first, the pipeline saved, then the matcher and the worker: they load it at start,
    // so every event posted below is matched.
    await start('gateway');
    const yaml = `name: telemetry-hook
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: hook
      step_type: notify
      retries:
        max_attempts: 3
        backoff_seconds: 1
      config:
        type: webhook
        webhook_url: "${hooks.url}/hook"
        headers:
          X-Token: "{{ secrets.HOOK_TOKEN }}"
        message: "{{event.scenario_name}} published"
`;
    const created = await fetch(`${api}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(created.status).toBe(201);
    pipelineId = ((await created.json()) as { id: string }).id;
    await Promise.all([start('trigger-matcher'), start('worker-notify')]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(
      apps.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await hooks?.stop();
    await otlp?.stop();
    await env?.cleanup();
  });

  const publish = (id: string) =>
    fetch(`${api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, type: 'scenario.published', payload: { scenario_id: id, scenario_name: id, version: '1', workspace_id: 'w' } }),
    });

  const executions = async () =>
    ((await (await fetch(`${api}/pipelines/${pipelineId}/executions`)).json()) as { items: { id: string; status: string; event_id: string }[] }).items;

  it('counters and histograms move by what happened: 3 events, 3 executions, one retried attempt, one dead letter', async () => {
    const gatewayMetrics = `http://127.0.0.1:${port}/metrics`;
    const matcherMetrics = `http://127.0.0.1:${byName('trigger-matcher').metricsPort}/metrics`;
    const workerMetrics = `http://127.0.0.1:${byName('worker-notify').metricsPort}/metrics`;
    const before = { gateway: await scrape(gatewayMetrics), matcher: await scrape(matcherMetrics), worker: await scrape(workerMetrics) };

    hooks.respondWith([500]); // the first delivery fails once and is retried
    for (const id of ['m-1', 'm-2', 'm-3']) expect((await publish(id)).status).toBe(202);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.xadd(env.config.events.stream, '*', 'event', '{not json');
    } finally {
      redis.disconnect();
    }
    await eventually(async () => (await executions()).filter((e) => e.event_id.startsWith('m-') && e.status === 'succeeded').length === 3, '3 executions to succeed', 30_000);

    const after = await eventually(async () => {
      const now = { gateway: await scrape(gatewayMetrics), matcher: await scrape(matcherMetrics), worker: await scrape(workerMetrics) };
      // The matcher counts after its batch is acked; the gateway's gauges come from its background sample.
      const settled =
        value(now.matcher, 'mockops_events_dead_lettered_total{reason="invalid_json"}') > value(before.matcher, 'mockops_events_dead_lettered_total{reason="invalid_json"}') &&
        value(now.gateway, 'mockops_executions{status="succeeded"}') === 3 &&
        value(now.gateway, 'mockops_dead_letter_entries') === 1 &&
        value(now.worker, 'mockops_executions_finished_total{status="succeeded"}') - value(before.worker, 'mockops_executions_finished_total{status="succeeded"}') === 3;
      return settled ? now : undefined;
    }, 'the metrics to settle', 20_000);

    const delta = (app: 'gateway' | 'matcher' | 'worker', key: string) => value(after[app], key) - value(before[app], key);
    expect({
      read: delta('matcher', 'mockops_events_read_total'),
      matched: delta('matcher', 'mockops_events_matched_total'),
      created: delta('matcher', 'mockops_executions_created_total'),
      deadInvalidJson: delta('matcher', 'mockops_events_dead_lettered_total{reason="invalid_json"}'),
      deadOther: delta('matcher', 'mockops_events_dead_lettered_total{reason="invalid_event"}'),
    }).toEqual({ read: 4, matched: 3, created: 3, deadInvalidJson: 1, deadOther: 0 });
    expect({
      succeeded: delta('worker', 'mockops_step_runs_total{step_type="notify",outcome="succeeded"}'),
      retried: delta('worker', 'mockops_step_runs_total{step_type="notify",outcome="retried"}'),
      failed: delta('worker', 'mockops_step_runs_total{step_type="notify",outcome="failed"}'),
      retries: delta('worker', 'mockops_step_retries_total{step_type="notify"}'),
      durations: delta('worker', 'mockops_step_duration_seconds_count{step_type="notify"}'),
      slowerThan5Minutes: delta('worker', 'mockops_step_duration_seconds_count{step_type="notify"}') - delta('worker', 'mockops_step_duration_seconds_bucket{le="300",step_type="notify"}'),
      finished: delta('worker', 'mockops_executions_finished_total{status="succeeded"}'),
    }).toEqual({ succeeded: 3, retried: 1, failed: 0, retries: 1, durations: 4, slowerThan5Minutes: 0, finished: 3 });
    expect(delta('worker', 'mockops_step_duration_seconds_sum{step_type="notify"}')).toBeGreaterThan(0);
    expect({
      posted: delta('gateway', 'mockops_http_requests_total{method="POST",route="/api/v1/events",status_code="202"}'),
      timed: delta('gateway', 'mockops_http_request_duration_seconds_count{method="POST",route="/api/v1/events"}'),
      succeeded: value(after.gateway, 'mockops_executions{status="succeeded"}'),
      running: value(after.gateway, 'mockops_executions{status="running"}'),
      deadLetters: value(after.gateway, 'mockops_dead_letter_entries'),
      notifyWorkers: value(after.gateway, 'mockops_queue_workers{queue="step-notify"}'),
      createPrWorkers: value(after.gateway, 'mockops_queue_workers{queue="step-create-pr"}'),
      lag: value(after.gateway, `mockops_matcher_lag_entries{partition="${env.config.events.stream}"}`),
    }).toEqual({ posted: 3, timed: 3, succeeded: 3, running: 0, deadLetters: 1, notifyWorkers: 1, createPrWorkers: 0, lag: 0 });
    // Route templates only: an execution id never becomes a label.
    const [one] = await executions();
    await fetch(`${api}/executions/${one.id}`);
    const labels = [...(await scrape(gatewayMetrics)).keys()].filter((k) => k.startsWith('mockops_http_requests_total'));
    expect(labels).toContain('mockops_http_requests_total{method="GET",route="/api/v1/executions/:id",status_code="200"}');
    expect(labels.filter((k) => k.includes(one.id))).toEqual([]);
    // Every app has the default Node metrics.
    for (const m of [after.gateway, after.matcher, after.worker]) expect(m.has('process_resident_memory_bytes')).toBe(true);
  });

  it('one event is one trace: gateway → matcher → execution → step → its outgoing call, and the execution shows its trace id', async () => {
    const res = await publish('t-1');
    expect(res.status).toBe(202);
    const execution = await eventually(async () => (await executions()).find((e) => e.event_id === 't-1' && e.status === 'succeeded'), 'the traced execution', 30_000);
    const detail = (await (await fetch(`${api}/executions/${execution.id}`)).json()) as { trace_id: string | null };
    expect(detail.trace_id).toMatch(/^[0-9a-f]{32}$/);

    const tree = await eventually(async () => {
      const spans = otlp.spans.filter((s) => s.traceId === detail.trace_id);
      const server = spans.find((s) => s.service === 'gateway' && s.kind === 2);
      const match = spans.find((s) => s.service === 'trigger-matcher' && s.name === 'match scenario.published');
      const exec = spans.find((s) => s.service === 'trigger-matcher' && s.name === 'execution telemetry-hook');
      const step = spans.find((s) => s.service === 'worker-notify' && s.name === 'step hook');
      // The webhook: an HTTP client span (the egress call) named by its method.
      const call = spans.find((s) => s.service === 'worker-notify' && s.kind === 3 && s.name === 'POST' && s.parentSpanId === step?.spanId);
      return server && match && exec && step && call ? { spans, server, match, exec, step, call } : undefined;
    }, 'the spans of the trace', 15_000);

    expect(tree.server.parentSpanId).toBeUndefined();
    expect(tree.match.parentSpanId).toBe(tree.server.spanId);
    expect(tree.exec.parentSpanId).toBe(tree.match.spanId);
    expect(tree.step.parentSpanId).toBe(tree.exec.spanId);
    expect(tree.call.parentSpanId).toBe(tree.step.spanId);
    expect(tree.step.attributes['mockops.execution.id']).toBe(execution.id);
    expect(tree.call.attributes['http.response.status_code'] ?? tree.call.attributes['http.status_code']).toBe(200);
    // Postgres and Redis calls made for the event are in its trace too.
    expect(tree.spans.some((s) => s.service === 'worker-notify' && /pg|SELECT|UPDATE|INSERT/i.test(s.name))).toBe(true);
    expect(tree.spans.some((s) => s.service === 'gateway' && /xadd|evalsha|eval/i.test(s.name))).toBe(true);

    // The tree as text (tmp/, for the README and the issue).
    const children = (id: string | undefined) => tree.spans.filter((s) => s.parentSpanId === id);
    const lines: string[] = [];
    const walk = (s: ReceivedSpan, depth: number) => {
      lines.push(`${'  '.repeat(depth)}${s.name} [${s.service}]`);
      for (const c of children(s.spanId)) walk(c, depth + 1);
    };
    walk(tree.server, 0);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'trace-tree.txt'), `${lines.join('\n')}\n`);

    // A producer's own traceparent in the envelope is continued.
    const producerTrace = '0af7651916cd43dd8448eb211c80319c';
    const posted = await fetch(`${api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 't-2', type: 'scenario.published', traceparent: `00-${producerTrace}-b7ad6b7169203331-01`, payload: { scenario_id: 't-2', scenario_name: 't-2' } }),
    });
    expect(posted.status).toBe(202);
    const second = await eventually(async () => (await executions()).find((e) => e.event_id === 't-2' && e.status === 'succeeded'), 'the second execution', 30_000);
    expect(((await (await fetch(`${api}/executions/${second.id}`)).json()) as { trace_id: string }).trace_id).toBe(producerTrace);
  });

  it('the step run logs JSON lines with its ids and trace id, and never the secret it used', async () => {
    const [execution] = (await executions()).filter((e) => e.event_id === 't-1');
    const detail = (await (await fetch(`${api}/executions/${execution.id}`)).json()) as { trace_id: string; pipeline_id: string; workspace_id: string | null };
    const worker = byName('worker-notify');
    const lines = worker.output.join('').split('\n').filter(Boolean);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    const ofRun = parsed.filter((l) => l['execution_id'] === execution.id);
    expect(ofRun.length).toBeGreaterThan(0);
    for (const line of ofRun) {
      expect(line).toMatchObject({ execution_id: execution.id, pipeline_id: detail.pipeline_id, step: 'hook', workspace_id: detail.workspace_id, trace_id: detail.trace_id, service: 'worker-notify' });
    }
    expect(ofRun.map((l) => l['msg'])).toContainEqual(expect.stringMatching(/^step hook \(notify\) attempt 1\/3 succeeded in \d+ ms$/));
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'step-log-line.json'), `${JSON.stringify(ofRun[ofRun.length - 1])}\n`);
    // The secret went out (the sink got it) but appears in no process's output.
    expect(hooks.requests.some((r) => r.headers['x-token'] === SECRET)).toBe(true);
    for (const app of apps) expect({ app: app.app, leaked: app.output.join('').includes(SECRET) }).toEqual({ app: app.app, leaked: false });
  });
});
