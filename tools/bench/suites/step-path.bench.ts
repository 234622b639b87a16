// Issue 12 ("Step path speed"), the measurement half: the built one-process app (node
// dist/apps/mockops/main.js) as a child process on a Redis and a database of its own, against raw
// baselines measured in the same run on the same services:
//   raw BullMQ  — a Queue + Worker (own process, same worker/job options) whose processor does the
//                 same HTTP POST to the same sink; a chain of five such jobs, each adding the next;
//   raw stream  — XADD → XREADGROUP → POST → XACK;
//   raw pg / Redis / HTTP round trips — the physical floor of each hop on this box.
// Goals (ratios in one run): P3 throughput, P4 latency, P5 cost (Postgres transactions, Redis
// commands), P7 memory. Plus a CPU profile of the step path under the burst and a trace of every
// Redis command and Postgres statement one step run issues. docs/performance.md explains the numbers.
// Usage: npm run build && npm run bench -- step-path [--quick]
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import type { WriteStream } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { uniqueSuffix } from '@mockops/testing';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { workerAppName } from '../../deploy/manifests';
import {
  ROOT,
  PgCounters,
  RssSampler,
  Sink,
  checkBuild,
  commandDelta,
  commandStats,
  createBenchDatabase,
  openLog,
  readMachine,
  readProc,
  sleep,
  spawnChild,
  startPrivateRedis,
  type BenchChild,
  type BenchDatabase,
  type PrivateRedis,
  type ProbeStats,
} from '../step-path/harness';
import { addCalls, dist, labelOf, mergeStats, pgCost, redisCalls, round, sumCalls, type Dist, type PgCost } from '../step-path/analysis';
import { summariseProfile, type CpuProfile, type ProfileSummary } from '../step-path/cpu-profile';
import { RAW_QUEUE, rawJobOptions, type RawJob } from '../step-path/raw-jobs';

export const name = 'step-path';

interface BenchTable {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

// The probe also counts this process's own Redis commands (the producer's XADDs and BullMQ adds).
const benchProbe = require('../step-path/probe-preload.js') as { takeStats(reset?: boolean): ProbeStats };

function settings(quick: boolean) {
  const num = (env: string, full: number, q: number) => Number(process.env[env] ?? (quick ? q : full));
  return {
    quick,
    concurrencies: (process.env.BENCH_STEP_CONCURRENCY ?? '1,4,16').split(',').map(Number),
    oneStepEvents: num('BENCH_STEP_ONE_EVENTS', 2000, 300),
    fiveStepEvents: num('BENCH_STEP_FIVE_EVENTS', 400, 60),
    latencyEvents: num('BENCH_STEP_LATENCY', 200, 40),
    handoffEvents: num('BENCH_STEP_HANDOFF', 60, 15),
    warmup: num('BENCH_STEP_WARMUP', 20, 10),
    idleMs: num('BENCH_STEP_IDLE_MS', 10_000, 3_000),
    quietMs: num('BENCH_STEP_QUIET_MS', 3_000, 1_500),
    traceEvents: 5,
    profileConcurrency: num('BENCH_STEP_PROFILE_CONCURRENCY', 16, 16),
    profileOneStepEvents: num('BENCH_STEP_PROFILE_ONE_EVENTS', 1000, 300),
    profileFiveStepEvents: num('BENCH_STEP_PROFILE_FIVE_EVENTS', 200, 60),
    /** Lets the tail of the previous run (its last records, finishing) go by before a measurement starts. */
    settleMs: 500,
  };
}
type Settings = ReturnType<typeof settings>;

/**
 * A Postgres 15 backend flushes its counters to pg_stat_database when it goes idle, but at most once a
 * second; what is left pending is flushed after 10 s of idleness (PGSTAT_IDLE_INTERVAL). A count read
 * sooner misses the last second of work, so the server-side cross-check waits this long on both sides.
 */
const PG_FLUSH_MS = 11_000;

const MiB = 2 ** 20;
const mib = (b: number) => Math.round(b / MiB);

interface Ctx {
  s: Settings;
  id: string;
  log: WriteStream;
  logPath: string;
  redis: PrivateRedis | { url: string; pid?: undefined; stop(): Promise<void> };
  db: BenchDatabase;
  counters: PgCounters;
  /** A connection to the benchmark database, for checks made outside the measured windows. */
  check: Client;
  checkPid: number;
  sink: Sink;
  producer: Redis;
  info: Redis;
  children: Map<string, BenchChild>;
  rss: RssSampler;
  notes: string[];
}

// ---------------------------------------------------------------- the pipelines and events

function oneStepYaml(sink: string): string {
  return `name: bench-one-step
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: s1
      step_type: notify
      config: { type: webhook, webhook_url: "${sink}/hook", message: "{{event.scenario_id}}" }
`;
}

function fiveStepYaml(sink: string): string {
  const steps = [1, 2, 3, 4, 5]
    .map((i) => `    - name: s${i}\n      step_type: notify\n      config: { type: webhook, webhook_url: "${sink}/hook", message: "{{event.endpoint}}" }`)
    .join('\n');
  return `name: bench-five-step
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
${steps}
`;
}

// No workspace and no version: the one-process app's published-versions recorder reads these and
// records nothing, as for any event it does not track.
const oneStepEvent = (id: string) => JSON.stringify({ id, type: 'scenario.published', occurred_at: new Date().toISOString(), payload: { scenario_id: id } });
const fiveStepEvent = (id: string) =>
  JSON.stringify({ id, type: 'drift.threshold_exceeded', occurred_at: new Date().toISOString(), payload: { endpoint: id, drift_count: 1, threshold: 1 } });

// ---------------------------------------------------------------- the systems under test

interface Product {
  child: BenchChild;
  tag: string;
  stream: string;
  prefix: string;
  schema: string;
}

function productEnv(ctx: Ctx, tag: string, concurrency: number): Record<string, string> {
  return {
    DATABASE_URL: ctx.db.url,
    REDIS_URL: ctx.redis.url,
    MOCKOPS_DB_SCHEMA: `bench_${tag}`,
    MOCKOPS_EVENTS_STREAM: `bench:${ctx.id}:${tag}:events`,
    MOCKOPS_QUEUE_PREFIX: `bench-${ctx.id}-${tag}`,
    MOCKOPS_WORKER_CONCURRENCY: String(concurrency),
    MOCKOPS_EGRESS_ALLOW: '127.0.0.1',
    MOCKOPS_DATA_DIR: `/tmp/mockops-bench-${ctx.id}-${tag}`,
    MOCKOPS_SECRETS_KEY: randomBytes(32).toString('base64'),
    MOCKOPS_RATE_LIMIT: 'off',
    // Each app its own free metrics port (the separate-apps run starts six on one host).
    MOCKOPS_METRICS_PORT: '0',
    // Everything else at its production default (leases, matcher block/claim times, batch size, pool).
    LOG_LEVEL: 'log',
    PGAPPNAME: `mockops-bench-${tag}`,
  };
}

async function createPipeline(url: string, yaml: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
  if (res.status !== 201) throw new Error(`create pipeline: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function startProduct(ctx: Ctx, tag: string, concurrency: number, opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<Product> {
  const env = { ...productEnv(ctx, tag, concurrency), ...opts.env };
  const child = await spawnChild({ name: `mockops-${tag}`, args: ['dist/apps/mockops/main.js'], env, nodeArgs: opts.nodeArgs, http: true, log: ctx.log, timeoutMs: 240_000 });
  ctx.children.set(child.name, child);
  await createPipeline(child.url!, oneStepYaml(ctx.sink.url));
  await createPipeline(child.url!, fiveStepYaml(ctx.sink.url));
  return { child, tag, stream: env.MOCKOPS_EVENTS_STREAM, prefix: env.MOCKOPS_QUEUE_PREFIX, schema: env.MOCKOPS_DB_SCHEMA };
}

interface Raw {
  child: BenchChild;
  queue: Queue<RawJob>;
  connection: Redis;
  stream: string;
}

async function startRaw(ctx: Ctx, tag: string, concurrency: number): Promise<Raw> {
  const prefix = `bench-${ctx.id}-${tag}`;
  const stream = `bench:${ctx.id}:${tag}:raw-events`;
  const child = await spawnChild({
    name: `raw-${tag}`,
    args: ['-r', '@swc-node/register', 'tools/bench/step-path/raw-worker.ts'],
    env: {
      SWC_NODE_PROJECT: 'tsconfig.runtime.json',
      RAW_REDIS_URL: ctx.redis.url,
      RAW_PREFIX: prefix,
      RAW_SINK_URL: `${ctx.sink.url}/hook`,
      RAW_STREAM: stream,
      RAW_CONCURRENCY: String(concurrency),
    },
    readyText: 'raw worker started',
    log: ctx.log,
  });
  ctx.children.set(child.name, child);
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null, connectionName: 'bench-raw-producer' });
  const queue = new Queue<RawJob>(RAW_QUEUE, { connection, prefix });
  await queue.waitUntilReady();
  return { child, queue, connection, stream };
}

async function stopChild(ctx: Ctx, child: BenchChild): Promise<void> {
  await child.stop();
  ctx.children.delete(child.name);
}

async function xaddAll(redis: Redis, stream: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 100) {
    const p = redis.pipeline();
    for (const body of bodies.slice(i, i + 100)) p.xadd(stream, '*', 'event', body);
    await p.exec();
  }
}

async function addAll(raw: Raw, ids: string[], steps: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await raw.queue.addBulk(ids.slice(i, i + 100).map((id) => ({ name: 'raw', data: { id, index: 0, steps }, opts: rawJobOptions(`${id}-s0`) })));
  }
}

// ---------------------------------------------------------------- measuring windows

interface Window {
  t0: number;
  children: BenchChild[];
  commands: Map<string, { calls: number; usec: number }>;
  /** Set when the window cross-checks the transaction count with pg_stat_database. */
  pgTx?: number;
  cpu: Map<string, number>;
  pgPids: Map<number, number>;
  machine: { busy: number; total: number };
  benchCpu: NodeJS.CpuUsage;
}

interface WindowResult {
  ms: number;
  probes: Map<string, ProbeStats>;
  bench: ProbeStats;
  /** Server-side command counts (INFO commandstats), scripts' inner commands included. */
  commands: Map<string, { calls: number; usec: number }>;
  /** pg_stat_database xact_commit + xact_rollback of the benchmark database over the window (cross-checked windows only). */
  pgServerTx?: number;
  /** The children's own transaction counts at the moment the server count was read. */
  pgClientTx?: number;
  /** CPU seconds per component. */
  cpu: Record<string, number>;
  machineBusy: number;
  /** Cores' worth of CPU the rest of the machine (other engineers) used during the window. */
  othersCores: number;
}

function cpuOf(pid: number | undefined): number {
  return pid ? (readProc(pid)?.cpuS ?? 0) : 0;
}

async function pgBackendCpu(ctx: Ctx): Promise<Map<number, number>> {
  const pids = await ctx.counters.backends(ctx.db.name);
  return new Map(pids.filter((p) => p !== ctx.checkPid).map((p) => [p, cpuOf(p)]));
}

/**
 * Opens a measuring window. `serverPg` also reads pg_stat_database, after the backends have been idle
 * long enough to have flushed their counters (`idleSince`: when the last work ended, if known).
 */
async function openWindow(ctx: Ctx, children: BenchChild[], serverPg = false, idleSince?: number): Promise<Window> {
  if (serverPg) await sleep(Math.max(0, PG_FLUSH_MS - (idleSince === undefined ? 0 : performance.now() - idleSince)));
  const pgTx = serverPg ? await ctx.counters.transactions(ctx.db.name) : undefined;
  await Promise.all(children.map((c) => c.stats(true)));
  benchProbe.takeStats(true);
  const cpu = new Map<string, number>();
  for (const c of children) cpu.set(c.name, cpuOf(c.pid));
  cpu.set('redis-server', cpuOf(ctx.redis.pid));
  return {
    t0: performance.now(),
    children,
    commands: await commandStats(ctx.info),
    pgTx,
    cpu,
    pgPids: await pgBackendCpu(ctx),
    machine: readMachine(),
    benchCpu: process.cpuUsage(),
  };
}

async function closeWindow(ctx: Ctx, w: Window): Promise<WindowResult> {
  const ms = performance.now() - w.t0;
  const probes = new Map<string, ProbeStats>();
  for (const c of w.children) probes.set(c.name, await c.stats());
  const bench = benchProbe.takeStats();
  const commands = commandDelta(w.commands, await commandStats(ctx.info));
  const cpu: Record<string, number> = {};
  for (const c of w.children) cpu[c.name] = cpuOf(c.pid) - (w.cpu.get(c.name) ?? 0);
  cpu['redis-server'] = cpuOf(ctx.redis.pid) - (w.cpu.get('redis-server') ?? 0);
  let pg = 0;
  for (const [pid, now] of await pgBackendCpu(ctx)) pg += now - (w.pgPids.get(pid) ?? 0);
  cpu['postgres backends'] = pg;
  const benchCpu = process.cpuUsage(w.benchCpu);
  cpu['bench (producer + sink)'] = (benchCpu.user + benchCpu.system) / 1e6;
  const machine = readMachine();
  let pgServerTx: number | undefined;
  let pgClientTx: number | undefined;
  if (w.pgTx !== undefined) {
    await sleep(PG_FLUSH_MS);
    pgServerTx = (await ctx.counters.transactions(ctx.db.name)) - w.pgTx;
    pgClientTx = (await Promise.all(w.children.map((c) => c.stats()))).reduce((n, st) => n + st.pg.txCount, 0);
  }
  const cores = os.cpus().length;
  const busyCores = ((machine.busy - w.machine.busy) / Math.max(1, machine.total - w.machine.total)) * cores;
  const oursCores = Object.values(cpu).reduce((a, v) => a + v, 0) / (ms / 1000);
  return {
    ms,
    probes,
    bench,
    commands,
    pgServerTx,
    pgClientTx,
    cpu,
    machineBusy: busyCores / cores,
    othersCores: Math.max(0, busyCores - oursCores),
  };
}

/** Waits until a child stops issuing statements and commands (the tail of the last step: record, finish). */
async function quiesce(child: BenchChild): Promise<void> {
  let last = -1;
  let stable = 0;
  const deadline = Date.now() + 30_000;
  while (stable < 3 && Date.now() < deadline) {
    const s = await child.stats();
    const n = s.pg.txCount + sumCalls(redisCalls(s));
    stable = n === last ? stable + 1 : 0;
    last = n;
    await sleep(150);
  }
}

/** What the idle system does on its own (blocking reads returning, stalled-job checks): subtracted from the server-side command counts. */
interface Quiet {
  seconds: number;
  redisPerS: number;
}

async function quietBaseline(ctx: Ctx, children: BenchChild[]): Promise<Quiet> {
  await sleep(ctx.s.settleMs);
  const w = await openWindow(ctx, children);
  await sleep(ctx.s.quietMs);
  const r = await closeWindow(ctx, w);
  return { seconds: r.ms / 1000, redisPerS: sumCalls(r.commands) / (r.ms / 1000) };
}

// ---------------------------------------------------------------- P4: sequential latency

interface Latency {
  product: Dist;
  bull: Dist;
  stream: Dist;
  handoff: Dist;
  chainHandoff: Dist;
  fiveFirst: Dist;
  fiveTotal: Dist;
  chainTotal: Dist;
}

const firstArrival = (ctx: Ctx, id: string) => ctx.sink.arrivals.get(id)![0].t;

async function latency(ctx: Ctx, p: Product, raw: Raw, tag: string, events: number, handoffs: number): Promise<Latency> {
  const lat = { product: [] as number[], bull: [] as number[], stream: [] as number[] };
  // Interleaved one at a time, so that every path sees the same load on the shared box.
  for (let i = 0; i < events; i++) {
    let id = `${tag}-lat-${i}`;
    let t0 = performance.now();
    await ctx.producer.xadd(p.stream, '*', 'event', oneStepEvent(id));
    await ctx.sink.waitFor(id, 1, 30_000);
    lat.product.push(firstArrival(ctx, id) - t0);

    id = `${tag}-bull-${i}`;
    t0 = performance.now();
    await raw.queue.add('raw', { id, index: 0, steps: 1 }, rawJobOptions(`${id}-s0`));
    await ctx.sink.waitFor(id, 1, 30_000);
    lat.bull.push(firstArrival(ctx, id) - t0);

    id = `${tag}-stream-${i}`;
    t0 = performance.now();
    await ctx.producer.xadd(raw.stream, '*', 'event', oneStepEvent(id));
    await ctx.sink.waitFor(id, 1, 30_000);
    lat.stream.push(firstArrival(ctx, id) - t0);
  }
  const gaps = { product: [] as number[], chain: [] as number[], fiveFirst: [] as number[], fiveTotal: [] as number[], chainTotal: [] as number[] };
  const gapsOf = (id: string) => {
    const ts = ctx.sink.arrivals.get(id)!.map((a) => a.t).sort((a, b) => a - b);
    return ts.slice(1).map((t, k) => t - ts[k]);
  };
  for (let i = 0; i < handoffs; i++) {
    let id = `${tag}-five-${i}`;
    let t0 = performance.now();
    await ctx.producer.xadd(p.stream, '*', 'event', fiveStepEvent(id));
    await ctx.sink.waitFor(id, 5, 60_000);
    gaps.product.push(...gapsOf(id));
    gaps.fiveFirst.push(firstArrival(ctx, id) - t0);
    gaps.fiveTotal.push(Math.max(...ctx.sink.arrivals.get(id)!.map((a) => a.t)) - t0);

    id = `${tag}-chain-${i}`;
    t0 = performance.now();
    await raw.queue.add('raw', { id, index: 0, steps: 5 }, rawJobOptions(`${id}-s0`));
    await ctx.sink.waitFor(id, 5, 60_000);
    gaps.chain.push(...gapsOf(id));
    gaps.chainTotal.push(Math.max(...ctx.sink.arrivals.get(id)!.map((a) => a.t)) - t0);
  }
  return {
    product: dist(lat.product),
    bull: dist(lat.bull),
    stream: dist(lat.stream),
    handoff: dist(gaps.product),
    chainHandoff: dist(gaps.chain),
    fiveFirst: dist(gaps.fiveFirst),
    fiveTotal: dist(gaps.fiveTotal),
    chainTotal: dist(gaps.chainTotal),
  };
}

// ---------------------------------------------------------------- P3: bursts

type BurstKind = 'mockops one-step' | 'mockops five-step' | 'raw BullMQ one job' | 'raw BullMQ chain of 5' | 'raw stream (XREADGROUP → POST)';

interface Burst {
  kind: BurstKind;
  concurrency: number;
  events: number;
  steps: number;
  /** First XADD/add → last webhook, ms. */
  ms: number;
  window: WindowResult;
  /** Outcome check: executions by status (product) or failed jobs (raw). */
  check: string;
  ok: boolean;
  peakRss: Map<string, number>;
  /** The process doing the steps. */
  worker: string;
  /** The processes whose counts belong to this path (not the idle system beside it). */
  counted: string[];
}

async function waitWebhooks(ctx: Ctx, n: number): Promise<void> {
  // Generous: a stalled run shows as a timeout, not as a slow number.
  await ctx.sink.waitFor(undefined, n, Math.max(120_000, n * 50));
}

async function productBurst(
  ctx: Ctx,
  p: Product,
  others: BenchChild[],
  kind: 'one' | 'five',
  n: number,
  concurrency: number,
  serverPg = false,
  idleSince?: number,
): Promise<Burst> {
  const steps = kind === 'one' ? 1 : 5;
  const tag = `${p.tag}-${kind}-burst`;
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  const bodies = ids.map(kind === 'one' ? oneStepEvent : fiveStepEvent);
  await sleep(ctx.s.settleMs);
  ctx.sink.reset();
  const w = await openWindow(ctx, [p.child, ...others], serverPg, idleSince);
  ctx.rss.take();
  const t0 = performance.now();
  await xaddAll(ctx.producer, p.stream, bodies);
  await waitWebhooks(ctx, n * steps);
  const ms = ctx.sink.lastAt - t0;
  await quiesce(p.child);
  const peakRss = ctx.rss.take();
  const window = await closeWindow(ctx, w);
  const { rows } = await ctx.check.query(`SELECT status, count(*)::int AS n FROM "${p.schema}".executions WHERE event_id LIKE $1 GROUP BY status`, [`${tag}-%`]);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  return {
    kind: kind === 'one' ? 'mockops one-step' : 'mockops five-step',
    concurrency,
    events: n,
    steps: n * steps,
    ms,
    window,
    check: JSON.stringify(by),
    ok: by.succeeded === n && rows.length === 1,
    peakRss,
    worker: p.child.name,
    counted: [p.child.name, ...others.filter((o) => (APPS as readonly string[]).includes(o.name)).map((o) => o.name)],
  };
}

async function rawBurst(ctx: Ctx, raw: Raw, others: BenchChild[], kind: 'one' | 'chain' | 'stream', n: number, concurrency: number): Promise<Burst> {
  const steps = kind === 'chain' ? 5 : 1;
  const tag = `${raw.child.name}-${kind}-burst`;
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  await sleep(ctx.s.settleMs);
  ctx.sink.reset();
  const failedBefore = kind === 'stream' ? 0 : await raw.queue.getFailedCount();
  const w = await openWindow(ctx, [raw.child, ...others]);
  ctx.rss.take();
  const t0 = performance.now();
  if (kind === 'stream') await xaddAll(ctx.producer, raw.stream, ids.map(oneStepEvent));
  else await addAll(raw, ids, steps);
  await waitWebhooks(ctx, n * steps);
  const ms = ctx.sink.lastAt - t0;
  await quiesce(raw.child);
  const peakRss = ctx.rss.take();
  const window = await closeWindow(ctx, w);
  const failed = kind === 'stream' ? 0 : (await raw.queue.getFailedCount()) - failedBefore;
  const kinds = { one: 'raw BullMQ one job', chain: 'raw BullMQ chain of 5', stream: 'raw stream (XREADGROUP → POST)' } as const;
  return {
    kind: kinds[kind],
    concurrency,
    events: n,
    steps: n * steps,
    ms,
    window,
    check: `${ctx.sink.total} webhooks, ${failed} failed jobs`,
    ok: failed === 0 && ctx.sink.total === n * steps,
    peakRss,
    worker: raw.child.name,
    counted: [raw.child.name],
  };
}

// ---------------------------------------------------------------- P5: costs of a burst

interface Cost {
  pg?: PgCost;
  /** Transactions pg_stat_database counted for the benchmark database, and what the apps counted themselves, same span. */
  pgServerTx?: number;
  pgClientTx?: number;
  /** Commands the clients sent (top level: a script call counts once), producer included. */
  redisTop: number;
  /** Commands Redis executed (INFO commandstats: scripts' inner commands counted too), quiet baseline subtracted. */
  redisTotal: number;
  /** Redis server time (commandstats usec) per step, µs; of it in scripts (EVAL/EVALSHA, inner commands included). */
  redisUsec: number;
  luaUsec: number;
  cpuMsPerStep: Record<string, number>;
  top: Map<string, { calls: number; ms: number }>;
  /** Mean wait for a pooled Postgres connection, ms. */
  poolWaitMs: number;
}

function costOf(b: Burst, quiet: Quiet): Cost {
  const worker = mergeStats(b.counted.map((n) => b.window.probes.get(n)!));
  const top = addCalls(redisCalls(worker), redisCalls(b.window.bench));
  const seconds = b.window.ms / 1000;
  let usec = 0;
  let lua = 0;
  for (const [cmd, v] of b.window.commands) {
    usec += v.usec;
    if (cmd === 'evalsha' || cmd === 'eval') lua += v.usec;
  }
  const cpuMsPerStep: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.window.cpu)) cpuMsPerStep[k] = (v * 1000) / b.steps;
  return {
    pg: b.kind.startsWith('mockops') ? pgCost(worker) : undefined,
    pgServerTx: b.window.pgServerTx,
    pgClientTx: b.window.pgClientTx,
    redisTop: sumCalls(top),
    redisTotal: Math.max(0, sumCalls(b.window.commands) - quiet.redisPerS * seconds),
    redisUsec: usec / b.steps,
    luaUsec: lua / b.steps,
    cpuMsPerStep,
    top,
    poolWaitMs: worker.pg.pool.acquires ? worker.pg.pool.ms / worker.pg.pool.acquires : 0,
  };
}

// ---------------------------------------------------------------- trace: one step run, command by command

interface TraceLine {
  source: string;
  command: string;
  args: string;
}

interface Trace {
  /** Per event: command (with its issuer) → calls. */
  perEvent: { who: string; command: string; calls: number }[];
  /** The sequence of one event, in order. */
  sequence: TraceLine[];
  pg: { label: string; statement: string; perEvent: number; meanMs: number; inTx: number }[];
  tx: { shape: string; perEvent: number }[];
}

async function trace(ctx: Ctx, p: Product, events: number): Promise<Trace> {
  const scripts = new Map(Object.entries((await p.child.stats()).scripts));
  const names = new Map<string, string>();
  for (const l of String(await ctx.info.call('CLIENT', 'LIST')).split('\n')) {
    const addr = /addr=(\S+)/.exec(l)?.[1];
    const nm = /name=(\S*)/.exec(l)?.[1];
    if (addr) names.set(addr, nm || '');
  }
  const producerName = String(await ctx.producer.call('CLIENT', 'GETNAME'));
  const monitorConn = new Redis(ctx.redis.url);
  const monitor = await monitorConn.monitor();
  const lines: { source: string; args: string[] }[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => lines.push({ source, args }));
  const ids: string[] = [];
  await sleep(300);
  await p.child.stats(true);
  for (let i = 0; i < events; i++) {
    const id = `${p.tag}-trace-${i}`;
    ids.push(id);
    await ctx.producer.xadd(p.stream, '*', 'event', oneStepEvent(id));
    await ctx.sink.waitFor(id, 1, 30_000);
    await sleep(400);
  }
  const pgStats = await p.child.stats();
  monitor.disconnect();
  monitorConn.disconnect();

  const short = (s: string) =>
    s
      .split(p.prefix)
      .join('{q}')
      .split(p.stream)
      .join('{stream}')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{uuid}');
  const whoOf = (source: string) => {
    if (source === 'lua') return 'lua (inside a script)';
    const n = names.get(source);
    if (n === producerName) return 'producer';
    // BullMQ names its connections <prefix>:<base64 of the queue name>.
    const bull = n ? /:([A-Za-z0-9+/]+=*)$/.exec(n) : null;
    if (bull) {
      const queue = Buffer.from(bull[1], 'base64').toString('utf8');
      if (/^[\w.-]+$/.test(queue)) return `app (BullMQ ${queue} connection)`;
    }
    return n ? `app (${n})` : `app ${source}`;
  };
  const commandOf = (args: string[]) => {
    const c = args[0]?.toLowerCase() ?? '';
    if (c === 'evalsha') return `evalsha ${scripts.get(args[1]) ?? args[1]?.slice(0, 8)}`;
    if (c === 'eval') return `eval ${scripts.get(args[1]) ?? 'script'}`;
    return c;
  };
  // Split the monitor output at each event's XADD; skip the first and last event (warm edges).
  const starts = ids.map((id) => lines.findIndex((l) => l.args[0]?.toLowerCase() === 'xadd' && l.args.some((a) => a.includes(`"${id}"`))));
  const segments: (typeof lines)[] = [];
  for (let i = 0; i < starts.length; i++) {
    if (starts[i] < 0) continue;
    const end = i + 1 < starts.length && starts[i + 1] > 0 ? starts[i + 1] : lines.length;
    segments.push(lines.slice(starts[i], end));
  }
  const middle = segments.length > 2 ? segments.slice(1, -1) : segments;
  const counts = new Map<string, { who: string; command: string; calls: number }>();
  for (const seg of middle) {
    for (const l of seg) {
      const who = whoOf(l.source);
      const command = commandOf(l.args);
      const key = `${who}\u0000${command}`;
      const c = counts.get(key) ?? { who, command, calls: 0 };
      c.calls++;
      counts.set(key, c);
    }
  }
  const perEvent = [...counts.values()].map((c) => ({ ...c, calls: round(c.calls / middle.length, 1) })).sort((a, b) => b.calls - a.calls);
  const sequence = (middle[Math.floor(middle.length / 2)] ?? []).map((l) => ({
    source: whoOf(l.source),
    command: commandOf(l.args),
    args: short(l.args.slice(1, 4).map((a) => (a.length > 48 ? `${a.slice(0, 45)}...` : a)).join(' ')),
  }));
  const pg = Object.entries(pgStats.pg.statements)
    .map(([statement, v]) => ({ label: labelOf(statement), statement: short(statement).slice(0, 110), perEvent: round(v.calls / events, 2), meanMs: round(v.ms / v.calls, 2), inTx: v.inTx }))
    .sort((a, b) => b.perEvent - a.perEvent);
  const tx = Object.entries(pgStats.pg.transactions)
    .map(([shape, n]) => ({ shape: shape.split(' ; ').map(labelOf).join(' → '), perEvent: round(n / events, 2) }))
    .sort((a, b) => b.perEvent - a.perEvent);
  return { perEvent, sequence, pg, tx };
}

// ---------------------------------------------------------------- physical floor of each hop

interface Hop {
  hop: string;
  p50: number;
  p99: number;
  n: number;
  /** CPU time of this (client) process per operation, µs: what one round trip costs the caller. */
  cpuUs?: number;
}

async function physical(ctx: Ctx): Promise<Hop[]> {
  const N = ctx.s.quick ? 100 : 300;
  const out: Hop[] = [];
  const time = async (hop: string, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await fn(-1 - i);
    const v: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      await fn(i);
      v.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    const d = dist(v);
    out.push({ hop, p50: round(d.p50, 3), p99: round(d.p99, 3), n: N, cpuUs: Math.round((cpu.user + cpu.system) / N) });
  };
  const r = new Redis(ctx.redis.url);
  await time('Redis PING round trip', () => r.ping());
  const reader = new Redis(ctx.redis.url);
  const stream = `bench:${ctx.id}:physical`;
  await r.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
  {
    const v: number[] = [];
    for (let i = -20; i < N; i++) {
      const read = reader.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1, 'BLOCK', 5000, 'STREAMS', stream, '>');
      await sleep(2); // the reader is blocked by now
      const t0 = performance.now();
      void r.xadd(stream, '*', 'e', '1');
      await read;
      if (i >= 0) v.push(performance.now() - t0);
    }
    const d = dist(v);
    out.push({ hop: 'XADD → XREADGROUP (a blocked reader woken)', p50: round(d.p50, 3), p99: round(d.p99, 3), n: N });
  }
  reader.disconnect();
  r.disconnect();

  const pg = new Client({ connectionString: ctx.db.url });
  await pg.connect();
  await pg.query('CREATE SCHEMA IF NOT EXISTS bench_physical');
  await pg.query('CREATE TABLE bench_physical.t (id int PRIMARY KEY, status text, n int)');
  await pg.query(`INSERT INTO bench_physical.t SELECT g, 'pending', 0 FROM generate_series(1, 10) g`);
  await time('pg SELECT 1 round trip', () => pg.query('SELECT 1'));
  await time('pg one-row UPDATE, autocommit (one commit)', () => pg.query('UPDATE bench_physical.t SET n = n + 1 WHERE id = 1'));
  await time('pg claim-shaped tx: BEGIN; SELECT FOR UPDATE; UPDATE; UPDATE; COMMIT', async () => {
    await pg.query('BEGIN');
    await pg.query('SELECT status FROM bench_physical.t WHERE id = 2 FOR UPDATE');
    await pg.query(`UPDATE bench_physical.t SET status = 'running', n = n + 1 WHERE id = 3 RETURNING *`);
    await pg.query(`UPDATE bench_physical.t SET status = 'running' WHERE id = 2`);
    await pg.query('COMMIT');
  });
  await time('pg same work in one statement (CTE), autocommit', () =>
    pg.query(`WITH l AS (SELECT status FROM bench_physical.t WHERE id = 2 FOR UPDATE)
              UPDATE bench_physical.t SET status = 'running', n = n + 1 WHERE id = 3 AND EXISTS (SELECT 1 FROM l) RETURNING *`),
  );
  await pg.end();

  const post = (agent: false | undefined) =>
    new Promise<void>((resolve, reject) => {
      const body = '{"message":"physical"}';
      const req = request(`${ctx.sink.url}/hook`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  await time('HTTP POST to the sink, new connection (as egressFetch)', () => post(false));
  await time('HTTP POST to the sink, keep-alive', () => post(undefined));
  return out;
}

// ---------------------------------------------------------------- P7: separate apps

const APPS = ['gateway', 'trigger-matcher', ...STEP_TYPES.map(workerAppName)];

interface AppsResult {
  quiet: Quiet;
  idle: Map<string, number>;
  peak: Map<string, number>;
  oneStep: Burst;
  bootMs: Map<string, number>;
}

async function separateApps(ctx: Ctx, concurrency: number): Promise<AppsResult> {
  const env = productEnv(ctx, 'apps', concurrency);
  const children = await Promise.all(
    APPS.map((app) =>
      spawnChild({ name: app, args: [`dist/apps/${app}/main.js`], env: { ...env, PGAPPNAME: `mockops-bench-${app}` }, http: app === 'gateway', log: ctx.log, timeoutMs: 240_000 }),
    ),
  );
  for (const c of children) ctx.children.set(c.name, c);
  const byName = new Map(children.map((c) => [c.name, c]));
  const gateway = byName.get('gateway')!;
  await createPipeline(gateway.url!, oneStepYaml(ctx.sink.url));
  await createPipeline(gateway.url!, fiveStepYaml(ctx.sink.url));
  const p: Product = { child: byName.get('worker-notify')!, tag: 'apps', stream: env.MOCKOPS_EVENTS_STREAM, prefix: env.MOCKOPS_QUEUE_PREFIX, schema: env.MOCKOPS_DB_SCHEMA };
  for (let i = 0; i < ctx.s.warmup; i++) {
    const id = `apps-warm-${i}`;
    await ctx.producer.xadd(p.stream, '*', 'event', i % 4 === 3 ? fiveStepEvent(id) : oneStepEvent(id));
    await ctx.sink.waitFor(id, i % 4 === 3 ? 5 : 1, 60_000);
  }
  const idleSince = performance.now();
  const quiet = await quietBaseline(ctx, children);
  await sleep(Math.max(0, ctx.s.idleMs - (performance.now() - idleSince)));
  const idle = new Map(children.map((c) => [c.name, readProc(c.pid)?.rssBytes ?? 0]));
  const others = children.filter((c) => c !== p.child);
  const oneStep = await productBurst(ctx, p, others, 'one', ctx.s.oneStepEvents, concurrency, true, idleSince);
  const bootMs = new Map(children.map((c) => [c.name, c.bootMs]));
  await Promise.all(children.map((c) => stopChild(ctx, c)));
  return { quiet, idle, peak: oneStep.peakRss, oneStep, bootMs };
}

// ---------------------------------------------------------------- P7: the embedded Postgres

interface EmbeddedBoot {
  label: string;
  idleRss: number;
  heapUsed: number;
  external: number;
  bootMs: number;
  latency: Dist;
}

interface PgliteAlone {
  label: string;
  rssBytes: number;
  readyMs: number;
  sharedBuffersBytes: number;
}

interface Embedded {
  boots: EmbeddedBoot[];
  alone: PgliteAlone[];
}

/** The one-process app without DATABASE_URL (PGlite in a worker thread), first start and restart. */
async function embedded(ctx: Ctx): Promise<Embedded> {
  const dataDir = `/tmp/mockops-bench-${ctx.id}-pglite`;
  const env: Record<string, string> = { ...productEnv(ctx, 'pglite', 4), DATABASE_URL: '', MOCKOPS_DATA_DIR: dataDir };
  delete env.MOCKOPS_DB_SCHEMA;
  const boots: EmbeddedBoot[] = [];
  try {
    for (const [label, first] of [
      ['first start (initdb on an empty data directory)', true],
      ['restart on the same data directory', false],
    ] as [string, boolean][]) {
      const child = await spawnChild({ name: 'mockops-pglite', args: ['dist/apps/mockops/main.js'], env, http: true, log: ctx.log, timeoutMs: 300_000 });
      ctx.children.set(child.name, child);
      if (first) await createPipeline(child.url!, oneStepYaml(ctx.sink.url));
      const lat: number[] = [];
      for (let i = 0; i < ctx.s.warmup + 20; i++) {
        const id = `pglite-${first ? 1 : 2}-${i}`;
        const t0 = performance.now();
        await ctx.producer.xadd(env.MOCKOPS_EVENTS_STREAM, '*', 'event', oneStepEvent(id));
        await ctx.sink.waitFor(id, 1, 60_000);
        if (i >= ctx.s.warmup) lat.push(firstArrival(ctx, id) - t0);
      }
      await sleep(ctx.s.idleMs);
      const rss = readProc(child.pid)?.rssBytes ?? 0;
      const mem = await child.mem();
      await stopChild(ctx, child);
      boots.push({ label, idleRss: rss, heapUsed: mem.memory.heapUsed, external: mem.memory.external, bootMs: child.bootMs, latency: dist(lat) });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  // PGlite alone, to tell its share from the app's and what its settings change.
  const aloneDir = `/tmp/mockops-bench-${ctx.id}-pglite-alone`;
  const alone: PgliteAlone[] = [];
  try {
    for (const [label, options] of [
      ['PGlite alone, first start (initdb)', {}],
      ['PGlite alone, restart', {}],
      ['PGlite alone, restart, shared_buffers=16MB', { postgresqlconf: 'shared_buffers=16MB' }],
    ] as [string, object][]) {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [join(__dirname, '..', 'step-path', 'pglite-alone.js'), aloneDir, JSON.stringify(options)], { cwd: ROOT, timeout: 120_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
      alone.push({ label, ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<PgliteAlone, 'label'>) });
    }
  } finally {
    rmSync(aloneDir, { recursive: true, force: true });
  }
  return { boots, alone };
}

// ---------------------------------------------------------------- the run

interface PhaseResult {
  concurrency: number;
  bootMs: number;
  idleRss: number;
  idleHeap: number;
  /** How long it had been idle when the RSS was read. */
  idleMs: number;
  quiet: Quiet;
  latency: Latency;
  bursts: Burst[];
}

/**
 * One concurrency level: the app and the raw worker side by side; latency, then the bursts. At the
 * reference level (the default concurrency, 4) the app also idles for the idle RSS and the one-step
 * burst is cross-checked against pg_stat_database (each costs ~10 s, so not at every level).
 */
async function concurrencyPhase(ctx: Ctx, c: number, reference: boolean): Promise<PhaseResult> {
  const tag = `c${c}`;
  console.log(`  concurrency ${c}: starting mockops and the raw worker`);
  const p = await startProduct(ctx, tag, c);
  const raw = await startRaw(ctx, tag, c);
  try {
    for (let i = 0; i < ctx.s.warmup; i++) {
      for (const [id, send, n] of [
        [`${tag}-warm-${i}`, () => ctx.producer.xadd(p.stream, '*', 'event', oneStepEvent(`${tag}-warm-${i}`)), 1],
        [`${tag}-warm5-${i}`, () => ctx.producer.xadd(p.stream, '*', 'event', fiveStepEvent(`${tag}-warm5-${i}`)), 5],
        [`${tag}-rwarm-${i}`, () => raw.queue.add('raw', { id: `${tag}-rwarm-${i}`, index: 0, steps: 5 }, rawJobOptions(`${tag}-rwarm-${i}-s0`)), 5],
        [`${tag}-swarm-${i}`, () => ctx.producer.xadd(raw.stream, '*', 'event', oneStepEvent(`${tag}-swarm-${i}`)), 1],
      ] as [string, () => Promise<unknown>, number][]) {
        await send();
        await ctx.sink.waitFor(id, n, 60_000);
      }
    }
    console.log(`  concurrency ${c}: latency (${ctx.s.latencyEvents} events, ${ctx.s.handoffEvents} five-step executions, interleaved with the raw paths)`);
    const lat = await latency(ctx, p, raw, tag, ctx.s.latencyEvents, ctx.s.handoffEvents);
    // Idle after the warm-up and the latency runs: the idle RSS, and what the idle system does on its own.
    const idleSince = performance.now();
    const quiet = await quietBaseline(ctx, [p.child, raw.child]);
    if (reference) await sleep(Math.max(0, ctx.s.idleMs - (performance.now() - idleSince)));
    const idleMs = performance.now() - idleSince;
    const idleRss = readProc(p.child.pid)?.rssBytes ?? 0;
    const idleHeap = (await p.child.mem()).memory.heapUsed;
    console.log(`  concurrency ${c}: bursts`);
    const bursts: Burst[] = [];
    bursts.push(await productBurst(ctx, p, [raw.child], 'one', ctx.s.oneStepEvents, c, reference, idleSince));
    bursts.push(await rawBurst(ctx, raw, [p.child], 'one', ctx.s.oneStepEvents, c));
    bursts.push(await rawBurst(ctx, raw, [p.child], 'stream', ctx.s.oneStepEvents, c));
    bursts.push(await productBurst(ctx, p, [raw.child], 'five', ctx.s.fiveStepEvents, c));
    bursts.push(await rawBurst(ctx, raw, [p.child], 'chain', ctx.s.fiveStepEvents, c));
    return { concurrency: c, bootMs: p.child.bootMs, idleRss, idleHeap, idleMs, quiet, latency: lat, bursts };
  } finally {
    await stopChild(ctx, p.child);
    await stopChild(ctx, raw.child);
    await raw.queue.close();
    raw.connection.disconnect();
  }
}

interface ProfileResult {
  file: string;
  one: ProfileSummary;
  five: ProfileSummary;
  oneBurst: Burst;
  fiveBurst: Burst;
  trace: Trace;
}

async function profilePhase(ctx: Ctx, c: number): Promise<ProfileResult> {
  const dir = join(ROOT, 'tmp', 'bench', `step-path-${ctx.id}`);
  mkdirSync(dir, { recursive: true });
  const p = await startProduct(ctx, 'prof', c, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let one: Burst;
  let five: Burst;
  let windows: [number, number][];
  let tr: Trace;
  try {
    for (let i = 0; i < ctx.s.warmup; i++) {
      const id = `prof-warm-${i}`;
      await ctx.producer.xadd(p.stream, '*', 'event', i % 2 ? fiveStepEvent(id) : oneStepEvent(id));
      await ctx.sink.waitFor(id, i % 2 ? 5 : 1, 60_000);
    }
    tr = await trace(ctx, p, ctx.s.traceEvents);
    const a0 = await p.child.clockUs();
    one = await productBurst(ctx, p, [], 'one', ctx.s.profileOneStepEvents, c);
    const a1 = await p.child.clockUs();
    five = await productBurst(ctx, p, [], 'five', ctx.s.profileFiveStepEvents, c);
    const a2 = await p.child.clockUs();
    windows = [
      [a0, a1],
      [a1, a2],
    ];
  } finally {
    await stopChild(ctx, p.child);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return {
    file: join(dir, file),
    one: summariseProfile(profile, windows[0][0], windows[0][1]),
    five: summariseProfile(profile, windows[1][0], windows[1][1]),
    oneBurst: one,
    fiveBurst: five,
    trace: tr,
  };
}

// ---------------------------------------------------------------- tables

const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** What the server offers for counting statements (set once per run). */
let pgssNote = '';

function tables(ctx: Ctx, phases: PhaseResult[], apps: AppsResult | undefined, pglite: Embedded | undefined, prof: ProfileResult | undefined, phys: Hop[]): BenchTable[] {
  const out: BenchTable[] = [];
  const goals: Record<string, string | number>[] = [];
  const costs = new Map<Burst, Cost>();
  for (const ph of phases) for (const b of ph.bursts) costs.set(b, costOf(b, ph.quiet));
  if (apps) costs.set(apps.oneStep, costOf(apps.oneStep, apps.quiet));
  const find = (ph: PhaseResult, kind: BurstKind) => ph.bursts.find((b) => b.kind === kind)!;
  const rate = (b: Burst) => (b.steps / b.ms) * 1000;
  const num = (v: number) => (Number.isFinite(v) ? round(v, 2) : '-');
  const goal = (g: string, measure: string, c: number | string, mine: number, raw: number, ratio: number, target: string, ok: boolean | 'info', valid = true) =>
    goals.push({ goal: g, measure, c, mockops: num(mine), raw: num(raw), ratio: num(ratio), target, verdict: !valid ? 'INVALID' : ok === 'info' ? 'info' : verdict(ok) });

  for (const ph of phases) {
    const c = ph.concurrency;
    const one = find(ph, 'mockops one-step');
    const bull = find(ph, 'raw BullMQ one job');
    const five = find(ph, 'mockops five-step');
    const chain = find(ph, 'raw BullMQ chain of 5');
    goal('P3', 'one-step burst, events/s', c, rate(one), rate(bull), rate(one) / rate(bull), '≥ 0.5', rate(one) / rate(bull) >= 0.5, one.ok && bull.ok);
    goal('P3', 'five-step burst, steps/s', c, rate(five), rate(chain), rate(five) / rate(chain), '≥ 0.5', rate(five) / rate(chain) >= 0.5, five.ok && chain.ok);
  }
  for (const ph of phases) {
    const l = ph.latency;
    goal('P4', 'event → webhook p50, ms', ph.concurrency, l.product.p50, l.bull.p50, l.product.p50 / l.bull.p50, '≤ 2', l.product.p50 / l.bull.p50 <= 2);
    goal('P4', 'event → webhook p99, ms', ph.concurrency, l.product.p99, l.bull.p99, l.product.p99 / l.bull.p99, '≤ 3', l.product.p99 / l.bull.p99 <= 3);
    goal('P4', 'step → next step p50, ms', ph.concurrency, l.handoff.p50, l.chainHandoff.p50, l.handoff.p50 / l.chainHandoff.p50, '≤ 2', l.handoff.p50 / l.chainHandoff.p50 <= 2);
  }
  for (const ph of phases) {
    const one = find(ph, 'mockops one-step');
    const five = find(ph, 'mockops five-step');
    const c1 = costs.get(one)!;
    const c5 = costs.get(five)!;
    const perBatch = c1.pg!.matcherTx / Math.max(1, c1.pg!.batches);
    goal('P5', 'pg tx per matcher batch (one-step burst)', ph.concurrency, perBatch, NaN, NaN, '≤ 1', perBatch <= 1);
    const perStep1 = c1.pg!.workerTx / one.steps;
    const perStep5 = c5.pg!.workerTx / five.steps;
    goal('P5', 'pg tx per step run (one-step burst)', ph.concurrency, perStep1, NaN, NaN, '≤ 2', perStep1 <= 2);
    goal('P5', 'pg tx per step run (five-step burst)', ph.concurrency, perStep5, NaN, NaN, '≤ 2', perStep5 <= 2);
    const bull = costs.get(find(ph, 'raw BullMQ one job'))!;
    const chain = costs.get(find(ph, 'raw BullMQ chain of 5'))!;
    const r1 = c1.redisTotal / one.steps / (bull.redisTotal / find(ph, 'raw BullMQ one job').steps);
    const r5 = c5.redisTotal / five.steps / (chain.redisTotal / find(ph, 'raw BullMQ chain of 5').steps);
    goal('P5', 'Redis commands per step (one-step, scripts’ inner commands incl.)', ph.concurrency, c1.redisTotal / one.steps, bull.redisTotal / find(ph, 'raw BullMQ one job').steps, r1, '≤ 1.5', r1 <= 1.5);
    goal('P5', 'Redis commands per step (five-step, inner incl.)', ph.concurrency, c5.redisTotal / five.steps, chain.redisTotal / find(ph, 'raw BullMQ chain of 5').steps, r5, '≤ 1.5', r5 <= 1.5);
    const t1 = c1.redisTop / one.steps / (bull.redisTop / find(ph, 'raw BullMQ one job').steps);
    goal('P5', 'Redis commands per step (one-step, top level only)', ph.concurrency, c1.redisTop / one.steps, bull.redisTop / find(ph, 'raw BullMQ one job').steps, t1, '≤ 1.5', t1 <= 1.5);
  }
  if (apps) {
    const m = apps.oneStep.window.probes.get('trigger-matcher')!;
    const mc = pgCost(m);
    goal('P5', 'pg tx per matcher batch (separate matcher process)', `${apps.oneStep.concurrency} (apps)`, mc.matcherTx / Math.max(1, mc.batches), NaN, NaN, '≤ 1', mc.matcherTx / Math.max(1, mc.batches) <= 1);
    const w = pgCost(apps.oneStep.window.probes.get('worker-notify')!);
    goal('P5', 'pg tx per step run (worker-notify process, one-step)', `${apps.oneStep.concurrency} (apps)`, w.workerTx / apps.oneStep.steps, NaN, NaN, '≤ 2', w.workerTx / apps.oneStep.steps <= 2);
  }
  for (const b of pglite?.boots ?? []) goal('P7', `one-process idle RSS, embedded PGlite, ${b.label}, MiB`, 4, mib(b.idleRss), NaN, NaN, '≤ 300', mib(b.idleRss) <= 300);
  for (const ph of phases) goal('P7', `one-process idle RSS, real Postgres (idle ${Math.round(ph.idleMs / 1000)} s), MiB`, ph.concurrency, mib(ph.idleRss), NaN, NaN, '-', 'info');
  if (apps) {
    for (const app of APPS) goal('P7', `${app} idle RSS, MiB`, apps.oneStep.concurrency, mib(apps.idle.get(app) ?? 0), NaN, NaN, '≤ 150', mib(apps.idle.get(app) ?? 0) <= 150);
    for (const app of APPS) goal('P7', `${app} peak RSS under the P3 one-step burst, MiB`, apps.oneStep.concurrency, mib(apps.peak.get(app) ?? 0), NaN, NaN, '≤ 300', mib(apps.peak.get(app) ?? 0) <= 300);
  }
  out.push({
    title: 'issue 12 goals: mockops vs raw baselines measured in the same run (ratio = mockops / raw)',
    rows: goals,
    notes: [
      `machine: 2 cores shared with other engineers; ${ctx.s.quick ? 'QUICK mode (fewer events: indicative only)' : 'full run'}`,
      'INVALID: a run in the pair did not finish cleanly (see the burst table), so its ratio means nothing',
    ],
  });

  // P4 detail
  const latRows: Record<string, string | number>[] = [];
  for (const ph of phases) {
    const l = ph.latency;
    const row = (path: string, d: Dist) => latRows.push({ c: ph.concurrency, path, n: d.n, p50_ms: round(d.p50), p90_ms: round(d.p90), p99_ms: round(d.p99), max_ms: round(d.max) });
    row('mockops: XADD → webhook (one-step)', l.product);
    row('raw BullMQ: add → POST', l.bull);
    row('raw stream: XADD → XREADGROUP → POST', l.stream);
    row('mockops five-step: XADD → first webhook', l.fiveFirst);
    row('mockops five-step: step → next step', l.handoff);
    row('raw BullMQ chain: job → next job', l.chainHandoff);
    row('mockops five-step: XADD → fifth webhook', l.fiveTotal);
    row('raw BullMQ chain: add → fifth POST', l.chainTotal);
  }
  out.push({
    title: 'P4 latency, sequential (one event at a time, the paths interleaved)',
    rows: latRows,
    notes: ['clock: performance.now() in the benchmark process, before the XADD/add and when the sink has read the POST body'],
  });

  // P3 detail
  const burstRows: Record<string, string | number>[] = [];
  const allBursts = [...phases.flatMap((ph) => ph.bursts), ...(apps ? [apps.oneStep] : [])];
  for (const b of allBursts) {
    const cost = costs.get(b)!;
    const cpu = cost.cpuMsPerStep;
    const workerCpu = Object.entries(cpu)
      .filter(([k]) => k === b.worker || (b.kind.startsWith('mockops') && APPS.includes(k as (typeof APPS)[number])))
      .reduce((a, [, v]) => a + v, 0);
    const total = Object.values(cpu).reduce((a, v) => a + v, 0);
    burstRows.push({
      c: apps && b === apps.oneStep ? `${b.concurrency} apps` : b.concurrency,
      path: b.kind,
      events: b.events,
      steps: b.steps,
      s: round(b.ms / 1000, 2),
      'events/s': Math.round((b.events / b.ms) * 1000),
      'steps/s': Math.round((b.steps / b.ms) * 1000),
      'cpu ms/step node': round(workerCpu, 2),
      'redis': round(cpu['redis-server'] ?? 0, 2),
      'pg': round(cpu['postgres backends'] ?? 0, 2),
      'bench': round(cpu['bench (producer + sink)'] ?? 0, 2),
      'total': round(total, 2),
      'box busy': `${Math.round(b.window.machineBusy * 100)}%`,
      'others cores': round(b.window.othersCores, 2),
      check: b.ok ? 'ok' : `NOT OK ${b.check}`,
    });
  }
  out.push({
    title: 'P3 bursts: first XADD/add → last webhook; CPU per step by process (ms of CPU time per step run)',
    rows: burstRows,
    notes: [
      'cpu: /proc utime+stime over the window; "node" is the process running the steps (all six apps in the "apps" rows); pg = backends of the benchmark database',
      `box busy: all CPUs of the machine (2 cores = 100%); others cores: what the rest of the machine (other engineers' builds and tests) used meanwhile, in cores`,
    ],
  });

  // P5 detail
  const costRows: Record<string, string | number>[] = [];
  for (const b of allBursts) {
    const cost = costs.get(b)!;
    costRows.push({
      c: apps && b === apps.oneStep ? `${b.concurrency} apps` : b.concurrency,
      path: b.kind,
      'pg tx/event': cost.pg ? round(cost.pg.tx / b.events, 2) : '-',
      'pg tx/event (server)': cost.pgServerTx !== undefined ? round(cost.pgServerTx / b.events, 2) : '-',
      'server÷client': cost.pgServerTx !== undefined && cost.pgClientTx ? round(cost.pgServerTx / cost.pgClientTx, 3) : '-',
      'pool wait ms': cost.pg ? round(cost.poolWaitMs, 2) : '-',
      'matcher tx/batch': cost.pg && cost.pg.batches ? round(cost.pg.matcherTx / cost.pg.batches, 2) : '-',
      'events/batch': cost.pg && cost.pg.batches ? round(b.events / cost.pg.batches, 1) : '-',
      'step tx/step': cost.pg ? round(cost.pg.workerTx / b.steps, 2) : '-',
      'background tx': cost.pg ? cost.pg.backgroundTx : '-',
      'step stmts/step': cost.pg ? round(cost.pg.workerStatements / b.steps, 2) : '-',
      'redis top/step': round(cost.redisTop / b.steps, 2),
      'redis total/step': round(cost.redisTotal / b.steps, 2),
      'redis µs/step': round(cost.redisUsec, 1),
      'lua µs/step': round(cost.luaUsec, 1),
    });
  }
  out.push({
    title: 'P5 cost per event / step run (Postgres transactions and statements, Redis commands and server time)',
    rows: costRows,
    notes: [
      'pg tx: counted in the app process (probe around pg Client#query: a statement outside BEGIN…COMMIT is one transaction); "(server)": pg_stat_database xact_commit+xact_rollback of the benchmark\'s own database (no other sessions), read 11 s after the run on both sides (backends flush late), one-step bursts only; server÷client checks that the probe sees every transaction',
      'pool wait: mean wait for a pooled connection (pg.Pool#connect) per statement or transaction',
      pgssNote,
      'matcher tx = the batch transactions (they insert the executions) and any other statement of the matcher; step tx = everything else but the background (the reconciler\'s scans, the matcher\'s timed index reload)',
      'redis top: commands the clients sent (producer included; a script call counts once); total: INFO commandstats delta on the private redis-server (scripts\' inner commands counted too), quiet-interval rate subtracted',
      'raw rows count the same things for the raw processes; "apps" rows: the six apps as separate processes (matcher and worker-notify alone)',
    ],
  });

  // Per-command detail (one-step burst at the middle concurrency)
  const mid = phases[Math.floor(phases.length / 2)];
  if (mid) {
    const one = find(mid, 'mockops one-step');
    const bull = find(mid, 'raw BullMQ one job');
    const c1 = costs.get(one)!;
    const cb = costs.get(bull)!;
    const names = new Set([...c1.top.keys(), ...cb.top.keys()]);
    const rows = [...names]
      .map((n) => ({
        command: n,
        'mockops/step': round((c1.top.get(n)?.calls ?? 0) / one.steps, 2),
        'mockops ms': c1.top.get(n) ? round(c1.top.get(n)!.ms / c1.top.get(n)!.calls, 2) : '-',
        'raw/job': round((cb.top.get(n)?.calls ?? 0) / bull.steps, 2),
        'raw ms': cb.top.get(n) ? round(cb.top.get(n)!.ms / cb.top.get(n)!.calls, 2) : '-',
      }))
      .filter((r) => (r['mockops/step'] as number) >= 0.01 || (r['raw/job'] as number) >= 0.01)
      .sort((a, b) => (b['mockops/step'] as number) - (a['mockops/step'] as number));
    out.push({
      title: `Redis commands the clients send per step (one-step burst, c=${mid.concurrency}), mockops vs raw BullMQ`,
      rows,
      notes: ['ms: client-side latency (send → reply) under the burst; evalsha rows are named after the BullMQ script'],
    });
    const serverRows = [...new Set([...one.window.commands.keys(), ...bull.window.commands.keys()])]
      .map((n) => ({
        command: n,
        'mockops/step': round((one.window.commands.get(n)?.calls ?? 0) / one.steps, 2),
        'mockops µs/step': round((one.window.commands.get(n)?.usec ?? 0) / one.steps, 1),
        'raw/job': round((bull.window.commands.get(n)?.calls ?? 0) / bull.steps, 2),
        'raw µs/job': round((bull.window.commands.get(n)?.usec ?? 0) / bull.steps, 1),
      }))
      .filter((r) => r['mockops/step'] >= 0.01 || r['raw/job'] >= 0.01)
      .sort((a, b) => b['mockops/step'] - a['mockops/step']);
    out.push({
      title: `Redis server side per step (INFO commandstats, one-step burst, c=${mid.concurrency}): commands incl. those run inside scripts`,
      rows: serverRows,
      notes: ['evalsha/eval usec include the script\'s inner commands, which are also listed under their own names (Redis 7 counts them in both)'],
    });
    const stmts = Object.entries(one.window.probes.get(one.worker)!.pg.statements)
      .map(([s, v]) => ({ label: labelOf(s), 'per event': round(v.calls / one.events, 2), 'mean ms': round(v.ms / v.calls, 2), 'in tx': v.inTx ? 'yes' : 'no' }))
      .sort((a, b) => b['per event'] - a['per event']);
    out.push({
      title: `Postgres statements per event under the one-step burst (c=${mid.concurrency}), client-side latency`,
      rows: stmts,
      notes: [`mean ms: from the query call to its result in the app (queueing on the connection included); pool sized from the worker slots (runtime poolSizeFor), MOCKOPS_WORKER_CONCURRENCY=${mid.concurrency}`],
    });
  }

  // P7 detail
  const memRows: Record<string, string | number>[] = [];
  for (const ph of phases) {
    const peak = Math.max(...ph.bursts.filter((b) => b.kind.startsWith('mockops')).map((b) => b.peakRss.get(`mockops-c${ph.concurrency}`) ?? 0));
    memRows.push({ process: `mockops (one process), real Postgres (idle ${Math.round(ph.idleMs / 1000)} s)`, c: ph.concurrency, 'idle RSS MiB': mib(ph.idleRss), 'idle heap MiB': mib(ph.idleHeap), 'peak RSS MiB (bursts)': mib(peak), 'boot s': round(ph.bootMs / 1000, 1) });
  }
  for (const b of pglite?.boots ?? []) {
    memRows.push({ process: `mockops (one process), embedded PGlite: ${b.label}`, c: 4, 'idle RSS MiB': mib(b.idleRss), 'idle heap MiB': mib(b.heapUsed), 'peak RSS MiB (bursts)': '-', 'boot s': round(b.bootMs / 1000, 1) });
  }
  for (const a of pglite?.alone ?? []) {
    memRows.push({ process: `${a.label} (shared_buffers ${mib(a.sharedBuffersBytes)} MiB)`, c: '-', 'idle RSS MiB': mib(a.rssBytes), 'idle heap MiB': '-', 'peak RSS MiB (bursts)': '-', 'boot s': round(a.readyMs / 1000, 1) });
  }
  if (apps) {
    for (const app of APPS) {
      memRows.push({ process: app, c: apps.oneStep.concurrency, 'idle RSS MiB': mib(apps.idle.get(app) ?? 0), 'idle heap MiB': '-', 'peak RSS MiB (bursts)': mib(apps.peak.get(app) ?? 0), 'boot s': round((apps.bootMs.get(app) ?? 0) / 1000, 1) });
    }
  }
  out.push({
    title: 'P7 memory: RSS idle (after warm-up, then idle) and peak under the P3 bursts',
    rows: memRows,
    notes: [
      `idle: after the warm-up (and, for the one-process rows, the latency runs), ${ctx.s.idleMs / 1000} s without events unless the row says otherwise; RSS from /proc/<pid>/status, heap from process.memoryUsage() in the app`,
      ...(pglite?.boots ?? []).map(
        (b) =>
          `PGlite, ${b.label}: main-thread heap ${mib(b.heapUsed)} MiB, external ${mib(b.external)} MiB (the rest of the RSS is the PGlite worker thread's WASM memory and code); sequential XADD → webhook p50 ${round(b.latency.p50)} ms, p99 ${round(b.latency.p99)} ms (${b.latency.n} events)`,
      ),
      'PGlite alone: node + @electric-sql/pglite only (tools/bench/step-path/pglite-alone.js), RSS right after it answers a query',
    ],
  });

  if (prof) {
    const cats = new Map<string, { one?: number; five?: number }>();
    for (const x of prof.one.categories) cats.set(x.category, { ...cats.get(x.category), one: x.share });
    for (const x of prof.five.categories) cats.set(x.category, { ...cats.get(x.category), five: x.share });
    const oneBusyPerStep = prof.one.busyMs / prof.oneBurst.steps;
    const fiveBusyPerStep = prof.five.busyMs / prof.fiveBurst.steps;
    out.push({
      title: `profile: self time by category, one-process app under the bursts (c=${prof.oneBurst.concurrency}, node --cpu-prof)`,
      rows: [...cats]
        .map(([category, v]) => ({ category, 'one-step %': round((v.one ?? 0) * 100, 1), 'five-step %': round((v.five ?? 0) * 100, 1), 'one-step µs/step': Math.round((v.one ?? 0) * oneBusyPerStep * 1000) }))
        .sort((a, b) => b['one-step %'] - a['one-step %']),
      notes: [
        `busy (not idle) main-thread time: one-step ${round(oneBusyPerStep, 3)} ms/step over ${Math.round(prof.one.windowMs)} ms (${Math.round((prof.one.busyMs / prof.one.windowMs) * 100)}% of the window); five-step ${round(fiveBusyPerStep, 3)} ms/step (${Math.round((prof.five.busyMs / prof.five.windowMs) * 100)}%)`,
        `throughput while profiled: one-step ${Math.round((prof.oneBurst.steps / prof.oneBurst.ms) * 1000)} steps/s, five-step ${Math.round((prof.fiveBurst.steps / prof.fiveBurst.ms) * 1000)} steps/s`,
        'builtins without a script (Array/Map/Promise internals) count in their caller\'s category; JSON = JSON.parse/stringify; BullMQ\'s Lua runs in redis-server (see the commandstats table)',
        `profile: ${prof.file}`,
      ],
    });
    out.push({
      title: 'profile: top functions by self time (one-step burst)',
      rows: prof.one.functions.map((f) => ({ function: f.fn, where: f.where, category: f.category, '%': round(f.share * 100, 1) })),
    });
    out.push({
      title: `trace: every Redis command one event → one-step run issues (MONITOR, average of ${Math.max(1, ctx.s.traceEvents - 2)} sequential events)`,
      rows: prof.trace.perEvent.map((r) => ({ issuer: r.who, command: r.command, 'per event': r.calls })),
      notes: ['an event\'s segment runs from its XADD to the next event\'s XADD (400 ms later), so idle blocking reads that returned in between are included'],
    });
    out.push({
      title: 'trace: the Redis commands of one event, in order',
      rows: prof.trace.sequence.map((l, i) => ({ '#': i + 1, issuer: l.source, command: l.command, args: l.args })),
    });
    out.push({
      title: 'trace: Postgres statements per event (one-step, sequential)',
      rows: prof.trace.pg.map((r) => ({ label: r.label, 'per event': r.perEvent, 'mean ms': r.meanMs, statement: r.statement })),
    });
    out.push({
      title: 'trace: Postgres transactions per event (one-step, sequential), statement by statement',
      rows: prof.trace.tx.map((r) => ({ 'per event': r.perEvent, transaction: r.shape })),
    });
  }

  out.push({
    title: 'physical floor: one round trip of each hop on this box (sequential, after warm-up)',
    rows: phys.map((p) => ({ hop: p.hop, n: p.n, p50_ms: p.p50, p99_ms: p.p99, 'client cpu µs/op': p.cpuUs ?? '-' })),
    notes: [
      'private redis-server (no persistence, like the shared one); Postgres: the shared server (synchronous_commit on, fsync on), the benchmark\'s own database',
      'client cpu: CPU time of the benchmark process per operation (the HTTP rows include the sink, which runs in the same process)',
    ],
  });
  return out;
}

// ---------------------------------------------------------------- entry point

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable[]> {
  const s = settings(Boolean(opts.quick) || process.env.BENCH_QUICK === '1');
  const stale = checkBuild();
  const id = uniqueSuffix();
  mkdirSync(join(ROOT, 'tmp', 'bench'), { recursive: true });
  const logPath = join(ROOT, 'tmp', 'bench', `step-path-${id}.log`);
  const log = openLog(logPath);
  const notes: string[] = [];
  if (stale) notes.push(stale);
  const redis = process.env.BENCH_REDIS_URL ? { url: process.env.BENCH_REDIS_URL, stop: async () => undefined } : await startPrivateRedis(log);
  if (process.env.BENCH_REDIS_URL) notes.push(`BENCH_REDIS_URL: counts on a shared Redis include other clients' commands`);
  const db = await createBenchDatabase();
  if (!db.own) notes.push(`CREATE DATABASE refused (${db.note}): counting on ${db.name}, where other sessions add transactions`);
  const counters = await PgCounters.open();
  const check = new Client({ connectionString: db.url });
  await check.connect();
  const checkPid = Number((await check.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  // pg_stat_statements would count statements server-side, but only when preloaded at server start.
  const preload = await counters.setting('shared_preload_libraries');
  const available = (await counters.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'`)).length > 0;
  pgssNote = preload.includes('pg_stat_statements')
    ? 'pg_stat_statements is loaded on this server (not used: the probe attributes statements to processes)'
    : `pg_stat_statements is ${available ? 'installed but not loaded' : 'not installed'} (shared_preload_libraries = '${preload}'; loading it needs a server restart): statements are counted by the probe in the app`;
  const sink = new Sink();
  await sink.start();
  const producer = new Redis(redis.url, { connectionName: 'bench-producer' });
  const info = new Redis(redis.url, { connectionName: 'bench-info' });
  const children = new Map<string, BenchChild>();
  const ctx: Ctx = {
    s,
    id,
    log,
    logPath,
    redis,
    db,
    counters,
    check,
    checkPid,
    sink,
    producer,
    info,
    children,
    rss: new RssSampler(() => new Map([...children].map(([n, c]) => [n, c.pid]))),
    notes,
  };
  console.log(`step-path: ${s.quick ? 'quick' : 'full'} run; redis ${redis.url}; database ${db.name}; log ${logPath}`);
  const phases: PhaseResult[] = [];
  let apps: AppsResult | undefined;
  let pglite: Embedded | undefined;
  let prof: ProfileResult | undefined;
  let phys: Hop[] = [];
  const started = performance.now();
  try {
    console.log('  physical floor of each hop');
    phys = await physical(ctx);
    const reference = s.concurrencies.includes(4) ? 4 : s.concurrencies[Math.floor(s.concurrencies.length / 2)];
    for (const c of s.concurrencies) phases.push(await concurrencyPhase(ctx, c, c === reference));
    // A later phase that fails leaves the tables of the others (and says why).
    const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      console.log(`  ${what}`);
      try {
        return await fn();
      } catch (e) {
        console.error(`  ${what} failed: ${(e as Error).message}`);
        notes.push(`${what} FAILED: ${(e as Error).message.split('\n')[0]}`);
        return undefined;
      }
    };
    apps = await attempt(`separate apps (concurrency ${Math.max(...s.concurrencies)})`, () => separateApps(ctx, Math.max(...s.concurrencies)));
    pglite = await attempt('embedded PGlite (idle memory)', () => embedded(ctx));
    prof = await attempt(`profile + trace (concurrency ${s.profileConcurrency})`, () => profilePhase(ctx, s.profileConcurrency));
  } finally {
    ctx.rss.stop();
    await Promise.all([...ctx.children.values()].map((c) => c.stop()));
    producer.disconnect();
    info.disconnect();
    await sink.stop();
    await check.end();
    await counters.close();
    await db.drop();
    await redis.stop();
    for (const tag of ['apps', 'prof', ...s.concurrencies.map((c) => `c${c}`)]) rmSync(`/tmp/mockops-bench-${id}-${tag}`, { recursive: true, force: true });
    log.end();
  }
  const out = tables(ctx, phases, apps, pglite, prof, phys);
  out[0].notes!.push(`run took ${Math.round((performance.now() - started) / 1000)} s; app logs: ${logPath}`, ...notes);
  return out;
}
