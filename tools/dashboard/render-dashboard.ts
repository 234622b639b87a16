// Renders k8s/observability/grafana/mockops-dashboard.json from a real run to docs/images/dashboard.png:
//   1. the built one-process app (dist/apps/mockops/main.js) on the local Postgres and Redis in a
//      throwaway schema, stream and queue prefix, with an HTTP sink for its webhooks, and a real
//      `prometheus` (its own data dir) scraping the app's /metrics every SCRAPE_SECONDS, labelled
//      app="mockops", namespace="local" as the PodMonitor would;
//   2. LOAD_SECONDS (default 240) of mixed load through the gateway: notify webhooks (some slow, some
//      answered 500 so they are retried or fail), auto_promote (completed, parked for approval then
//      approved or rejected, refused), webhooks to private/link-local addresses the egress guard
//      refuses, bursts that build matcher lag, malformed stream entries that are dead-lettered, and
//      rejected API calls;
//   3. every panel's PromQL targets sent to Prometheus's query_range over the run with Grafana's
//      variables substituted (tools/dashboard/panels.ts), drawn at the panels' gridPos with uPlot
//      (tools/dashboard/render-html.ts) and screenshot with Chromium;
//   4. every process stopped, the schema, Redis keys and Prometheus data removed.
// Usage: npm run build && npm run dashboard:render   (DASHBOARD_LOAD_SECONDS=60 for a quick look)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTestEnv, eventually, freePort, startHttpSink, startMockopsProcess, type MockopsProcess } from '@mockops/testing';
import { launchChromium } from '../../apps/mockops/src/e2e/browser';
import { legendName, queryInterval, substituteVariables, visiblePanels, type Dashboard } from './panels';
import { dashboardHtml, type PanelData } from './render-html';

const root = join(__dirname, '..', '..');
const LOAD_SECONDS = Number(process.env.DASHBOARD_LOAD_SECONDS ?? 240);
const SCRAPE_SECONDS = 2;
const WIDTH = 1600;
const OUT = process.env.DASHBOARD_OUT ?? join(root, 'docs', 'images', 'dashboard.png');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startPrometheus(target: string): Promise<{ url: string; child: ChildProcess; dir: string; output: () => string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'mockops-prometheus-'));
  const port = await freePort();
  // The labels the dashboard's queries select on: `app` (the PodMonitor's app.kubernetes.io/name)
  // and `namespace` (added by the operator), here as static target labels.
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: ${SCRAPE_SECONDS}s
  evaluation_interval: ${SCRAPE_SECONDS}s
scrape_configs:
  - job_name: mockops
    metrics_path: /metrics
    static_configs:
      - targets: ["${target}"]
        labels: { app: mockops, namespace: local, pod: mockops-0 }
`,
  );
  const chunks: string[] = [];
  const child = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => chunks.push(String(d)));
  child.stderr?.on('data', (d) => chunks.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${chunks.join('')}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
  }, 'prometheus to be ready', 30_000);
  return { url, child, dir, output: () => chunks.join('') };
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

interface PromMatrix {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'apps', 'mockops', 'main.js'))) throw new Error('run `npm run build` first');
  const dashboard = JSON.parse(readFileSync(join(root, 'k8s', 'observability', 'grafana', 'mockops-dashboard.json'), 'utf8')) as Dashboard;

  // Webhook peer: /ok answers at once, /slow after up to 1.2 s, /flaky answers 500 two times in five.
  let flaky = 0;
  const sink = await startHttpSink({
    respond: async (req) => {
      if (req.pathname === '/slow') await sleep(100 + Math.random() * 1100);
      if (req.pathname === '/flaky') return ++flaky % 5 < 2 ? 500 : 200;
      return 200;
    },
  });
  const port = await freePort();
  const env = await createTestEnv({
    PORT: String(port),
    LOG_LEVEL: 'warn',
    MOCKOPS_METRICS_SAMPLE_MS: '1000',
    MOCKOPS_RATE_LIMIT: 'off',
    MOCKOPS_STEP_LEASE_MS: '30000',
    MOCKOPS_MATCHER_BLOCK_MS: '1000',
    MOCKOPS_MATCHER_CLAIM_IDLE_MS: '30000',
  });
  const children: { stop(): Promise<void> }[] = [];
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let app: MockopsProcess | undefined;
  const redis = new Redis(env.env.REDIS_URL);
  try {
    app = await startMockopsProcess('mockops', env.env, { timeoutMs: 120_000 });
    children.push(app);
    prometheus = await startPrometheus(`127.0.0.1:${port}`);
    const promStarted = Date.now();
    const prom = prometheus;
    children.push({ stop: () => stopChild(prom.child) });
    const api = `${app.url}/api/v1`;
    const json = { 'content-type': 'application/json' };
    const createPipeline = async (yaml: string) => {
      const res = await fetch(`${api}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
      if (res.status !== 201) throw new Error(`create pipeline: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    const notify = (ws: string, url: string, retries = '') => `name: dash-${ws}
definition:
  triggers:
    - event: scenario.published
      filters: { workspace_id: ${ws} }
  steps:
    - name: hook
      step_type: notify${retries}
      config: { type: webhook, webhook_url: "${url}", message: "{{event.scenario_name}} published" }
`;
    const promote = (ws: string, to: string, approval: boolean) => `name: dash-${ws}
definition:
  triggers:
    - event: scenario.published
      filters: { workspace_id: ${ws} }
  steps:
    - name: promote
      step_type: auto_promote
      config: { entity_type: scenario, entity_id: "{{event.scenario_id}}", from_environment: dev, to_environment: ${to}, require_approval: ${approval} }
`;
    const retries = `
      retries: { max_attempts: 3, backoff_seconds: 1 }`;
    await createPipeline(notify('ws-ok', `${sink.url}/ok`));
    await createPipeline(notify('ws-slow', `${sink.url}/slow`));
    await createPipeline(notify('ws-flaky', `${sink.url}/flaky`, retries));
    await createPipeline(notify('ws-private', 'http://10.20.30.40/hook', retries));
    await createPipeline(notify('ws-metadata', 'http://169.254.169.254/latest/meta-data', retries));
    await createPipeline(promote('ws-promote', 'test', false));
    await createPipeline(promote('ws-approve', 'test', true));
    await createPipeline(promote('ws-skip', 'prod', false));

    let n = 0;
    const post = (ws: string) =>
      fetch(`${api}/events`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ id: `dash-${n}`, type: 'scenario.published', workspace_id: ws, payload: { scenario_id: `sc-${n}`, scenario_name: `s${n++}`, version: '1', workspace_id: ws } }),
      }).then((r) => r.status);
    // The matcher learns of new pipelines over pub/sub: wait until an event of the last one is matched.
    await eventually(async () => {
      await post('ws-skip');
      const r = (await (await fetch(`${api.replace('/api/v1', '')}/metrics`)).text()).match(/^mockops_events_matched_total(?:\{[^}]*\})? (\d+)/m);
      return r && Number(r[1]) > 0;
    }, 'the matcher to match the new pipelines', 60_000);

    // From Prometheus's first scrape (it started just before the pipelines were created).
    const start = Math.ceil(promStarted / 1000) + SCRAPE_SECONDS;
    const until = Date.now() + LOAD_SECONDS * 1000;
    let tick = 0;
    console.log(`load for ${LOAD_SECONDS} s: app ${app.url}, prometheus ${prom.url}`);
    while (Date.now() < until) {
      tick++;
      const round: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i++) round.push(post('ws-ok'));
      for (let i = 0; i < 2; i++) round.push(post('ws-slow'));
      round.push(post('ws-flaky'), post('ws-flaky'), post('ws-promote'));
      if (tick % 3 === 0) round.push(post('ws-approve'), post('ws-skip'));
      if (tick % 5 === 0) round.push(post('ws-private'));
      if (tick % 7 === 0) round.push(post('ws-metadata'));
      // Bursts the matcher cannot read at once: lag for the lag panel.
      if (tick % 40 === 20) for (let i = 0; i < 400; i++) round.push(post(i % 2 ? 'ws-ok' : 'ws-flaky'));
      // Malformed entries written straight to the stream (what a broken producer does): dead letters.
      if (tick % 25 === 10) await redis.xadd(env.config.events.stream, '*', 'event', '{not json');
      if (tick % 35 === 17) await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: `bad-${tick}`, payload: {} }));
      // Rejected API calls (400, 404) for the status-code panel.
      if (tick % 4 === 0) round.push(fetch(`${api}/events`, { method: 'POST', headers: json, body: '{"type": 42}' }));
      if (tick % 6 === 0) round.push(fetch(`${api}/pipelines/00000000-0000-0000-0000-000000000000`));
      round.push(fetch(`${api}/pipelines`));
      // Approve or reject what is parked for approval.
      if (tick % 10 === 0) {
        const res = await fetch(`${api}/promotions?status=pending&limit=4`);
        if (res.status !== 200) throw new Error(`GET /promotions: ${res.status} ${await res.text()}`);
        const list = (await res.json()) as { items: { id: string; status: string }[] };
        for (const [k, p] of list.items.filter((x) => x.status === 'pending').entries())
          round.push(
            fetch(`${api}/promotions/${p.id}/${k % 3 === 2 ? 'reject' : 'approve'}`, { method: 'POST', headers: json, body: '{"comments":"dashboard run"}' }).then(async (r) => {
              if (r.status !== 200) console.warn(`deciding promotion ${p.id}: ${r.status} ${await r.text()}`);
            }),
          );
      }
      await Promise.all(round);
      await sleep(1000);
    }
    // Let the last retries and the shared-state gauges settle, then one more scrape.
    await sleep(15_000);
    const end = Math.floor(Date.now() / 1000);

    const panels = visiblePanels(dashboard);
    const range = end - start;
    // Grafana asks for at most one point per pixel of the panel (maxDataPoints = panel width).
    const step = queryInterval(range, Math.round(WIDTH / 2) - 100, SCRAPE_SECONDS);
    const times: number[] = [];
    for (let t = start; t <= end; t += step) times.push(t);
    const data = new Map<number, PanelData>();
    for (const [i, panel] of panels.entries()) {
      if (panel.type === 'row') continue;
      const series: PanelData['series'] = [];
      const errors: string[] = [];
      for (const target of panel.targets ?? []) {
        if (!target.expr || target.hide) continue;
        const query = substituteVariables(target.expr, dashboard.templating?.list ?? [], { intervalSeconds: step, scrapeSeconds: SCRAPE_SECONDS, rangeSeconds: range });
        const params = new URLSearchParams({ query, start: String(start), end: String(times[times.length - 1]), step: String(step) });
        const res = (await (await fetch(`${prom.url}/api/v1/query_range?${params}`)).json()) as PromMatrix;
        if (res.status !== 'success') {
          errors.push(`${query}: ${res.error}`);
          continue;
        }
        for (const r of res.data?.result ?? []) {
          const byTime = new Map(r.values.map(([t, v]) => [Math.round(t), Number(v)]));
          const values = times.map((t) => {
            const v = byTime.get(t);
            return v === undefined || !Number.isFinite(v) ? null : v;
          });
          if (values.some((v) => v !== null)) series.push({ name: legendName(target.legendFormat, r.metric), values });
        }
      }
      series.sort((a, b) => a.name.localeCompare(b.name));
      data.set(i, { series, empty: errors.length ? errors.join('; ') : undefined });
      console.log(`${panel.title}: ${series.length} series${errors.length ? ` (errors: ${errors.join('; ')})` : ''}`);
    }

    const uplotDir = join(root, 'node_modules', 'uplot', 'dist');
    const fmt = (t: number) => new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const html = dashboardHtml({
      dashboard,
      panels,
      data,
      times,
      width: WIDTH,
      subtitle: `${fmt(start)} – ${fmt(end)} UTC · namespace: All · Prometheus ${SCRAPE_SECONDS} s scrapes of the one-process app under tools/dashboard/render-dashboard.ts's load · panels drawn from the dashboard JSON's queries (not Grafana)`,
      uplotJs: readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8'),
    });
    const htmlPath = join(root, 'tmp', 'dashboard.html');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(htmlPath, html);
    const browser = await launchChromium();
    try {
      const pageObj = await browser.newPage({ viewport: { width: WIDTH, height: 900 }, deviceScaleFactor: 1 });
      pageObj.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await pageObj.setContent(html);
      await pageObj.waitForSelector('body[data-rendered="yes"]', { timeout: 30_000 });
      mkdirSync(join(OUT, '..'), { recursive: true });
      await pageObj.screenshot({ path: OUT, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(`written: ${OUT} (page: ${htmlPath})`);
  } catch (e) {
    if (app) console.error(`app output (last 4 KB):\n${app.output().slice(-4096)}`);
    if (prometheus) console.error(`prometheus output (last 2 KB):\n${prometheus.output().slice(-2048)}`);
    throw e;
  } finally {
    redis.disconnect();
    for (const c of children.reverse()) await c.stop();
    await sink.stop();
    await env.cleanup();
    if (prometheus) rmSync(prometheus.dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
