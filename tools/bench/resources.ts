// Measures what each app needs from Kubernetes: every app built and started as its own process (the
// way the Deployments run them) against the local Postgres and Redis, in a throwaway schema, stream
// and queue prefix. Samples RSS and CPU of each process from /proc while idle and during bursts:
//   notify  — N events (default 2,000) posted to the gateway, matching a one-step webhook pipeline
//             that delivers to a local HTTP sink;
//   promote — events matching a one-step auto_promote pipeline;
//   sdk     — schema.changed events regenerating the petstore SDKs (three languages);
//   sdk-large — as many events as a worker runs at once (MOCKOPS_WORKER_CONCURRENCY, 4) regenerating
//             GitHub's 13 MB OpenAPI description: the worst case for the regenerate-sdk memory;
//   pr      — drift events opening PRs on the GitHub API double.
// Usage: npm run build && npm run measure:resources  (prints tables, writes bench-results/resources.json)
// docs/scaling.md ("Resources") has the numbers of the last run and how requests/limits follow from them.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestEnv, eventually, freePort, startGithubApiDouble, startHttpSink, TEST_DATABASE_URL } from '@mockops/testing';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { workerAppName } from '../deploy/manifests';

const root = join(__dirname, '..', '..');
const APPS = ['gateway', 'trigger-matcher', ...STEP_TYPES.map(workerAppName)];
type App = (typeof APPS)[number];

const NOTIFY_EVENTS = Number(process.env.MEASURE_NOTIFY_EVENTS ?? 2000);
const PROMOTE_EVENTS = Number(process.env.MEASURE_PROMOTE_EVENTS ?? 500);
const SDK_EVENTS = Number(process.env.MEASURE_SDK_EVENTS ?? 20);
const SDK_LARGE_EVENTS = Number(process.env.MEASURE_SDK_LARGE_EVENTS ?? 4);
const PR_EVENTS = Number(process.env.MEASURE_PR_EVENTS ?? 10);
const IDLE_MS = Number(process.env.MEASURE_IDLE_MS ?? 30_000);
const POST_CONCURRENCY = 16;
const SAMPLE_MS = 250;
const CLK_TCK = 100; // USER_HZ on Linux

interface Sample {
  at: number;
  app: App;
  rssBytes: number;
  cpuTicks: number;
}

interface Phase {
  name: string;
  start: number;
  end: number;
  note: string;
}

/** utime+stime (clock ticks) and VmRSS of one process, from /proc. */
function readProc(pid: number): { cpuTicks: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuTicks, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per app over a phase: peak and last RSS, mean CPU and the 95th percentile / peak of 1 s windows. */
function summarize(samples: Sample[], phase: Phase) {
  const rows: Record<string, string | number>[] = [];
  for (const app of APPS) {
    const s = samples.filter((x) => x.app === app && x.at >= phase.start && x.at <= phase.end);
    if (s.length < 2) continue;
    const windows: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const j = s.findIndex((x) => x.at >= s[i].at + 1000);
      if (j < 0) break;
      windows.push(((s[j].cpuTicks - s[i].cpuTicks) / CLK_TCK) / ((s[j].at - s[i].at) / 1000));
    }
    windows.sort((a, b) => a - b);
    const seconds = (s[s.length - 1].at - s[0].at) / 1000;
    const mean = (s[s.length - 1].cpuTicks - s[0].cpuTicks) / CLK_TCK / seconds;
    const mib = (b: number) => Math.round(b / 2 ** 20);
    const milli = (c: number) => Math.round(c * 1000);
    rows.push({
      app,
      'rss peak MiB': mib(Math.max(...s.map((x) => x.rssBytes))),
      'rss end MiB': mib(s[s.length - 1].rssBytes),
      'cpu mean m': milli(mean),
      'cpu p95 1s m': windows.length ? milli(windows[Math.floor(windows.length * 0.95)] ?? windows[windows.length - 1]) : 0,
      'cpu max 1s m': windows.length ? milli(windows[windows.length - 1]) : 0,
    });
  }
  return rows;
}

function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n## ${title}`);
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'apps', 'gateway', 'main.js'))) throw new Error('run `npm run build` first');
  const sink = await startHttpSink();
  const github = await startGithubApiDouble({ tokens: ['measure-token'] });
  github.seedRepo({ owner: 'org', repo: 'repo', defaultBranch: 'main', files: { 'README.md': '# repo\n' } });
  const port = await freePort();
  // The spec root regenerate_sdk reads from (files only; it refuses paths that leave it).
  const specRoot = join(root, 'tmp', 'measure-specs');
  mkdirSync(specRoot, { recursive: true });
  copyFileSync(join(root, 'node_modules', '@readme', 'oas-examples', '3.0', 'yaml', 'petstore.yaml'), join(specRoot, 'petstore.yaml'));
  copyFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), join(specRoot, 'api.github.com.json'));
  // Production defaults for everything that shapes the load (createTestEnv shortens leases and polls).
  const env = await createTestEnv({
    PORT: String(port),
    LOG_LEVEL: 'log',
    MOCKOPS_STEP_LEASE_MS: '30000',
    MOCKOPS_MATCHER_BLOCK_MS: '2000',
    MOCKOPS_MATCHER_CLAIM_IDLE_MS: '30000',
    MOCKOPS_RATE_LIMIT: 'off',
    MOCKOPS_SPEC_ROOT: specRoot,
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: 'measure-token',
  });
  const logPath = join(root, 'tmp', 'measure-resources.log');
  const log = createWriteStream(logPath);
  const children = new Map<App, ChildProcess>();
  const started = new Set<App>();
  const samples: Sample[] = [];
  const phases: Phase[] = [];
  const t0 = Date.now();

  for (const app of APPS) {
    const child = spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env: { ...process.env, ...env.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d: Buffer) => {
      log.write(`[${app}] ${d}`);
      if (String(d).includes(`${app} started`)) started.add(app);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    children.set(app, child);
  }
  const sampler = setInterval(() => {
    const at = Date.now();
    for (const [app, child] of children) {
      const p = child.pid && readProc(child.pid);
      if (p) samples.push({ at, app, ...p });
    }
  }, SAMPLE_MS);

  const db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const finishedCount = async (pipelineId: string) => {
    const r = await db.query(`SELECT count(*)::int AS n FROM "${env.schema}".executions WHERE pipeline_id = $1 AND status IN ('succeeded','failed','cancelled')`, [pipelineId]);
    return r.rows[0].n as number;
  };
  const statusCounts = async (pipelineId: string) => {
    const r = await db.query(`SELECT status, count(*)::int AS n FROM "${env.schema}".executions WHERE pipeline_id = $1 GROUP BY status`, [pipelineId]);
    return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
  };
  const post = async (body: object) => {
    const res = await fetch(`${api}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`POST /events: ${res.status} ${await res.text()}`);
  };
  const postAll = async (bodies: object[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: POST_CONCURRENCY }, async () => {
        while (next < bodies.length) await post(bodies[next++]);
      }),
    );
  };
  const createPipeline = async (yaml: string) => {
    const res = await fetch(`${api}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    if (res.status !== 201) throw new Error(`create pipeline: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };

  try {
    await eventually(
      async () => {
        const dead = [...children].find(([, c]) => c.exitCode !== null);
        if (dead) throw new Error(`${dead[0]} exited; see ${logPath}`);
        return started.size === APPS.length;
      },
      'every app to start',
      120_000,
    );
    phases.push({ name: 'boot', start: t0, end: Date.now(), note: 'spawn → "started" of all six' });

    const notifyId = await createPipeline(`name: measure-notify
definition:
  triggers:
    - event: scenario.published
      filters: { workspace_id: ws-notify }
  steps:
    - name: hook
      step_type: notify
      config: { type: webhook, webhook_url: "${sink.url}/hook", message: "{{event.scenario_name}} published" }
`);
    const promoteId = await createPipeline(`name: measure-promote
definition:
  triggers:
    - event: scenario.published
      filters: { workspace_id: ws-promote }
  steps:
    - name: promote
      step_type: auto_promote
      config: { entity_type: scenario, entity_id: "{{event.scenario_id}}", from_environment: dev, to_environment: test }
`);
    const sdkId = await createPipeline(`name: measure-sdk
definition:
  triggers:
    - event: schema.changed
  steps:
    - name: sdk
      step_type: regenerate_sdk
      config: { spec_path: "{{event.spec_path}}", languages: [typescript, python, rust], output_dir: ./generated-sdks }
`);
    const prId = await createPipeline(`name: measure-pr
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
    - name: pr
      step_type: create_pr
      config:
        repository: "https://github.com/org/repo"
        branch: main
        title: "Drift {{event.endpoint}}"
        body: "Drift count: {{event.drift_count}}"
        files: [{ path: "drift-{{event.drift_count}}.json", content: "{{event.drift_data}}", operation: create }]
`);
    const scenario = (ws: string, i: number, tag: string) => ({
      id: `${tag}-${i}`,
      type: 'scenario.published',
      workspace_id: ws,
      payload: { scenario_id: `sc-${tag}-${i}`, scenario_name: `s${i}`, version: '1', workspace_id: ws },
    });
    // The matcher learns of new pipelines over pub/sub: post a warm-up event per pipeline until it runs.
    let w = 0;
    await eventually(async () => {
      await post(scenario('ws-notify', w++, 'warm'));
      return (await finishedCount(notifyId)) > 0;
    }, 'the warm-up execution', 30_000);

    let mark = Date.now();
    await sleep(IDLE_MS);
    phases.push({ name: 'idle', start: mark, end: Date.now(), note: `${IDLE_MS / 1000} s, no events` });

    const burst = async (name: string, pipelineId: string, bodies: object[], note: string) => {
      const before = await finishedCount(pipelineId);
      const start = Date.now();
      await postAll(bodies);
      const posted = Date.now();
      await eventually(async () => (await finishedCount(pipelineId)) >= before + bodies.length, `${name}: every execution to finish`, 900_000);
      const done = Date.now();
      await sleep(3000);
      phases.push({ name, start, end: Date.now(), note: `${note}; posted in ${((posted - start) / 1000).toFixed(1)} s, all finished after ${((done - start) / 1000).toFixed(1)} s` });
      console.log(`${name}: ${JSON.stringify(await statusCounts(pipelineId))}`);
      await sleep(5000);
    };

    await burst('notify burst', notifyId, Array.from({ length: NOTIFY_EVENTS }, (_, i) => scenario('ws-notify', i, 'n')), `${NOTIFY_EVENTS} scenario.published → webhook`);
    await burst('promote burst', promoteId, Array.from({ length: PROMOTE_EVENTS }, (_, i) => scenario('ws-promote', i, 'p')), `${PROMOTE_EVENTS} scenario.published → auto_promote`);
    await burst(
      'sdk burst',
      sdkId,
      Array.from({ length: SDK_EVENTS }, (_, i) => ({ id: `sdk-${i}`, type: 'schema.changed', payload: { spec_path: 'petstore.yaml', schema_type: 'openapi', changes: [] } })),
      `${SDK_EVENTS} schema.changed → regenerate_sdk (petstore, 3 languages)`,
    );
    await burst(
      'sdk-large burst',
      sdkId,
      Array.from({ length: SDK_LARGE_EVENTS }, (_, i) => ({ id: `sdk-large-${i}`, type: 'schema.changed', payload: { spec_path: 'api.github.com.json', schema_type: 'openapi', changes: [] } })),
      `${SDK_LARGE_EVENTS} schema.changed → regenerate_sdk (GitHub's 13 MB description, 3 languages)`,
    );
    await burst(
      'pr burst',
      prId,
      Array.from({ length: PR_EVENTS }, (_, i) => ({ id: `pr-${i}`, type: 'drift.threshold_exceeded', payload: { endpoint: 'GET /pets', drift_count: i, threshold: 1, drift_data: { i } } })),
      `${PR_EVENTS} drift.threshold_exceeded → create_pr (GitHub API double)`,
    );
    mark = Date.now();
    await sleep(Math.min(IDLE_MS, 15_000));
    phases.push({ name: 'after', start: mark, end: Date.now(), note: 'idle again after the bursts' });
  } finally {
    clearInterval(sampler);
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await db.end();
    await sink.stop();
    await github.stop();
    await env.cleanup();
    log.end();
  }

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    phases: phases.map((p) => ({ ...p, seconds: Math.round((p.end - p.start) / 1000), rows: summarize(samples, p) })),
  };
  for (const p of result.phases) printTable(`${p.name} (${p.seconds} s): ${p.note}`, p.rows);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', 'resources.json'), JSON.stringify(result, null, 2));
  console.log(`\nwritten: bench-results/resources.json (app logs: ${logPath})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
