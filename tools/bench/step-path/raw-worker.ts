// The raw baselines of the step-path benchmark, run as their own process (as the product's worker is):
//  - a BullMQ Worker on queue `raw-step` whose processor does the same HTTP POST as the notify
//    webhook step (same body shape and headers, a new connection per request as egressFetch makes),
//    and, for a chain job (`steps` > 1), then adds the next job of the chain, as the product's
//    advancer enqueues the next step before the job completes;
//  - a consumer group on a stream: XREADGROUP (COUNT 100, BLOCK) → POST per entry (at most
//    `concurrency` at once) → XACK: the floor of "event → side effect" without any queue.
// Same Redis connection layout as the product (one shared ioredis client for the queue and the
// worker's commands; BullMQ duplicates it for the blocking fetch) and the same worker and job options
// as libs/worker-kit. Configured by the environment (RAW_*); prints "raw worker started" when ready.
import { request } from 'node:http';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { RAW_QUEUE, rawJobOptions, webhookLikeBody, type RawJob } from './raw-jobs';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const redisUrl = env('RAW_REDIS_URL');
const prefix = env('RAW_PREFIX');
const sinkUrl = new URL(env('RAW_SINK_URL'));
const stream = env('RAW_STREAM');
const concurrency = Number(env('RAW_CONCURRENCY'));

function post(id: string, index: number): Promise<void> {
  const payload = Buffer.from(webhookLikeBody(id, index));
  return new Promise((resolve, reject) => {
    const req = request(
      sinkUrl,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': 'MockOps-Pipelines',
          'x-mockops-event': 'scenario.published',
          'x-mockops-timestamp': String(Math.floor(Date.now() / 1000)),
          'idempotency-key': `${id}:s${index + 1}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`sink answered ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function main(): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'raw-bench' });
  const queue = new Queue<RawJob>(RAW_QUEUE, { connection, prefix });
  const worker = new Worker<RawJob>(
    RAW_QUEUE,
    async (job: Job<RawJob>) => {
      const { id, index, steps } = job.data;
      await post(id, index);
      if (index + 1 < steps) await queue.add('raw', { id, index: index + 1, steps }, rawJobOptions(`${id}-s${index + 1}`));
      return 'ok';
    },
    // The options of libs/worker-kit's step processors (lock = lease of 30 s).
    { connection, prefix, concurrency, lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 10 },
  );
  worker.on('failed', (job, err) => console.error(`raw job ${job?.id} failed: ${err.message}`));

  // The stream baseline: one consumer, batches of 100, at most `concurrency` POSTs in flight.
  const reader = connection.duplicate();
  await connection.xgroup('CREATE', stream, 'raw', '$', 'MKSTREAM').catch(() => undefined);
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = (await reader.xreadgroup('GROUP', 'raw', 'c1', 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', stream, '>').catch(() => null)) as
        | [string, [string, string[]][]][]
        | null;
      const entries = res?.[0]?.[1] ?? [];
      if (!entries.length) continue;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, entries.length) }, async () => {
          while (next < entries.length) {
            const [, fields] = entries[next++];
            const event = JSON.parse(fields[fields.indexOf('event') + 1]) as { id: string };
            await post(event.id, 0);
          }
        }),
      );
      await connection.xack(stream, 'raw', ...entries.map(([entryId]) => entryId));
    }
  })();

  await worker.waitUntilReady();
  console.log('raw worker started');
  const stop = async () => {
    running = false;
    reader.disconnect();
    await loop.catch(() => undefined);
    await worker.close();
    await queue.close();
    await connection.quit();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
