// The event → execution path against the real Redis and Postgres on this machine, beside baselines
// measured in the same run on the same services (docs/performance.md): raw XADD+XREADGROUP, raw BullMQ
// add+process, raw batched pg INSERT. Then the matcher's throughput (events → committed executions
// with their first jobs enqueued) and the end-to-end latency of a one-step webhook pipeline.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher } from '@mockops/event-stream';
import { MatcherService, startService } from '@mockops/runtime';
import { createTestEnv, deleteRedisKeys, TEST_DATABASE_URL, TEST_REDIS_URL } from '@mockops/testing';

export const name = 'runtime';

interface BenchTable {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

const N = Number(process.env.BENCH_RUNTIME_EVENTS ?? 2000);
const LATENCY_SAMPLES = Number(process.env.BENCH_RUNTIME_LATENCY ?? 200);

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function rawStream(redis: Redis, key: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i += 100) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(N, i + 100); j++) p.xadd(key, '*', 'event', `{"id":"e${j}","type":"x","payload":{}}`);
    await p.exec();
  }
  await redis.xgroup('CREATE', key, 'g', '0');
  let read = 0;
  while (read < N) {
    const res = (await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 100, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    const ids = res[0][1].map(([id]) => id);
    await redis.xack(key, 'g', ...ids);
    read += ids.length;
  }
  return performance.now() - t0;
}

async function rawBull(prefix: string): Promise<{ addMs: number; totalMs: number }> {
  const connection = { url: TEST_REDIS_URL } as never;
  const queue = new Queue('bench', { connection, prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker('bench', async () => undefined, { connection, prefix, concurrency: 16 });
  worker.on('completed', () => ++done === N && finish());
  const t0 = performance.now();
  for (let i = 0; i < N; i += 100) {
    await queue.addBulk(Array.from({ length: Math.min(100, N - i) }, (_, j) => ({ name: 'j', data: { id: i + j }, opts: { jobId: `j-${i + j}` } })));
  }
  const addMs = performance.now() - t0;
  await all;
  const totalMs = performance.now() - t0;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { addMs, totalMs };
}

async function rawPg(schema: string): Promise<number> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  await pg.query(`CREATE TABLE "${schema}".raw_bench (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), event_id text UNIQUE, event json)`);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 100) {
    const ids = Array.from({ length: Math.min(100, N - i) }, (_, j) => `e${i + j}`);
    await pg.query(`INSERT INTO "${schema}".raw_bench (event_id, event) SELECT * FROM unnest($1::text[], $2::json[]) ON CONFLICT DO NOTHING`, [ids, ids.map((id) => `{"id":"${id}"}`)]);
  }
  const ms = performance.now() - t0;
  await pg.end();
  return ms;
}

export async function run(): Promise<BenchTable[]> {
  const env = await createTestEnv({ MOCKOPS_MATCHER_BATCH: '100', MOCKOPS_WORKER_CONCURRENCY: '16' });
  const redis = new Redis(TEST_REDIS_URL);
  const tables: BenchTable[] = [];
  // A webhook receiver answering at once, for the end-to-end latency.
  const arrivals = new Map<string, number>();
  const sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      arrivals.set((JSON.parse(body) as { message: string }).message, performance.now());
      res.end('ok');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  process.env.MOCKOPS_EGRESS_ALLOW = '127.0.0.1';
  try {
    const streamMs = await rawStream(redis, `${env.config.events.stream}:raw`);
    const bullMs = await rawBull(`${env.config.queues.prefix}-raw`);
    const pgMs = await rawPg(env.schema);

    // Matcher throughput: a running matcher, N events added as fast as Redis takes them, until N executions exist.
    const admin = await startService({ name: 'bench-admin' }, { config: env.config });
    const source = `name: bench\ndefinition:\n  triggers:\n    - event: scenario.published\n  steps:\n    - name: hook\n      step_type: notify\n      config:\n        type: webhook\n        webhook_url: "${sinkUrl}"\n        message: "{{event.scenario_id}}"\n`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error('bench pipeline invalid');
    await admin.infra.store.createPipeline({ name: 'bench', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    const publisher = new EventPublisher(redis, { stream: env.config.events.stream });
    await admin.stop();
    const matcher = await startService({ name: 'bench-matcher', matcher: true }, { config: env.config });
    await matcher.app.get(MatcherService).matcher.settled();
    const pgc = new Client({ connectionString: TEST_DATABASE_URL });
    await pgc.connect();
    // Sustained throughput: from the first XADD until N executions are committed (jobs enqueued, acked).
    const t0 = performance.now();
    for (let i = 0; i < N; i += 100) {
      const p = redis.pipeline();
      for (let j = i; j < Math.min(N, i + 100); j++) {
        p.xadd(env.config.events.stream, '*', 'event', JSON.stringify({ id: `t${j}`, type: 'scenario.published', payload: { scenario_id: `t${j}` } }));
      }
      await p.exec();
    }
    for (;;) {
      const { rows } = await pgc.query(`SELECT count(*)::int AS n FROM "${env.schema}".executions`);
      if (rows[0].n >= N) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const matcherMs = performance.now() - t0;
    await matcher.stop();
    await pgc.end();
    // Drop the jobs of the throughput run; the latency run below processes its own.
    await deleteRedisKeys([`{${env.config.queues.prefix}:*`]);

    tables.push({
      title: `event path throughput, ${N} events (same Redis/Postgres, same run)`,
      rows: [
        { path: 'raw XADD + XREADGROUP + XACK (batches of 100)', 'events/s': perSec(N, streamMs), ms: Math.round(streamMs) },
        { path: 'raw BullMQ addBulk (batches of 100)', 'events/s': perSec(N, bullMs.addMs), ms: Math.round(bullMs.addMs) },
        { path: 'raw BullMQ addBulk + process (noop, concurrency 16)', 'events/s': perSec(N, bullMs.totalMs), ms: Math.round(bullMs.totalMs) },
        { path: 'raw pg INSERT ... unnest (batches of 100)', 'events/s': perSec(N, pgMs), ms: Math.round(pgMs) },
        { path: 'matcher: read + match + executions tx + enqueue + ack', 'events/s': perSec(N, matcherMs), ms: Math.round(matcherMs) },
      ],
      notes: [
        `matcher vs the sum of the raw steps it performs (stream + BullMQ add + pg insert): ${((streamMs + bullMs.addMs + pgMs) / matcherMs).toFixed(2)}x`,
      ],
    });

    // End-to-end latency: publish → webhook received, one event at a time, through workers.
    const live = await startService({ name: 'bench-live', matcher: true, handlers: ['notify'] }, { config: env.config });
    await live.app.get(MatcherService).matcher.settled();
    const latencies: number[] = [];
    try {
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const id = `lat${i}`;
        const sent = performance.now();
        await publisher.publish('scenario.published', { scenario_id: id }, { id });
        while (!arrivals.has(id)) await new Promise((r) => setImmediate(r));
        latencies.push(arrivals.get(id)! - sent);
      }
    } finally {
      await live.stop();
    }
    latencies.sort((a, b) => a - b);
    tables.push({
      title: `end-to-end latency, event published → webhook received (${LATENCY_SAMPLES} sequential events)`,
      rows: [{ p50_ms: pct(latencies, 50), p90_ms: pct(latencies, 90), p99_ms: pct(latencies, 99), max_ms: latencies[latencies.length - 1] }],
      notes: ['includes the matcher block/poll, the executions transaction, BullMQ pickup, claim, render, HTTP POST'],
    });
    return tables;
  } finally {
    sink.close();
    await redis.quit();
    await env.cleanup();
  }
}
