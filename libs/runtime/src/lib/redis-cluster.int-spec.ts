import { startRedisCluster, type RedisClusterPeer } from '@mockops/testing';
import { Cluster, type Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import {
  EventPublisher,
  PipelineChangeNotifier,
  StreamConsumer,
  deadLetterStreamOf,
  hashSlot,
  partitionStreamsOf,
  pipelinesVersionKeyOf,
  queuePrefixOf,
  type StreamEntry,
} from '@mockops/event-stream';

// A real three-node Redis Cluster (redis-server processes, slots spread by `redis-cli --cluster
// create`): the key layout of event-stream's redis-keys.ts works where CROSSSLOT is enforced — the publish script,
// the ack-with-dead-letters MULTI, the change counter, BullMQ queues under their hash-tagged
// prefixes — and the old layout (`<stream>:seen:…` beside `<stream>`) is refused.

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('the key layout on a real Redis Cluster', () => {
  let peer: RedisClusterPeer;
  let cluster: Cluster;

  beforeAll(async () => {
    peer = await startRedisCluster(3);
    cluster = new Cluster([{ host: '127.0.0.1', port: peer.ports[0] }], { redisOptions: { maxRetriesPerRequest: null } });
    await cluster.ping();
  }, 60_000);

  afterAll(async () => {
    await cluster?.quit().catch(() => cluster.disconnect());
    await peer?.stop();
  });

  it('computes the slots the cluster computes', async () => {
    const keys = ['123456789', 'mockops:events', '{mockops:events}:dead', '{mockops:step-notify}:step-notify:wait', 'mockops:events:p3', 'ünï{cøde}'];
    for (const key of keys) expect(await cluster.cluster('KEYSLOT', key)).toBe(hashSlot(key));
  });

  it('refuses the old layout: a script over a stream and its un-tagged dedupe key', async () => {
    await expect(cluster.eval("return redis.call('SET', KEYS[1], '1')", 2, 'old:events:seen:0::e-1', 'old:events')).rejects.toThrow(/CROSSSLOT/);
  });

  it('publishes to 4 partitions, acks with dead letters in one MULTI, counts pipeline changes', async () => {
    const redis = cluster as unknown as Redis;
    const stream = 'clustered:events';
    const streams = partitionStreamsOf(stream, 4);
    // The partitions land on more than one node.
    const ranges = await cluster.cluster('SLOTS');
    const nodeOf = (key: string) => ranges.find(([from, to]) => hashSlot(key) >= from && hashSlot(key) <= to)?.[2]?.[1];
    const owners = new Set(streams.map(nodeOf));
    expect(owners.has(undefined)).toBe(false);
    expect(owners.size).toBeGreaterThan(1);

    const publisher = new EventPublisher(redis, { stream, partitions: 4 });
    const workspaces = Array.from({ length: 12 }, (_, i) => `ws-${i}`);
    for (const ws of workspaces) expect((await publisher.publish('scenario.published', { n: 1 }, { workspaceId: ws, id: 'same-id' })).duplicate).toBe(false);
    expect((await publisher.publish('scenario.published', { n: 1 }, { workspaceId: 'ws-0', id: 'same-id' })).duplicate).toBe(true);
    await cluster.xadd(streams[1], '*', 'event', '{broken');

    const read: StreamEntry[] = [];
    const consumers = streams.map(
      (s) =>
        new StreamConsumer({
          redis,
          stream: s,
          group: 'g',
          consumer: 'c1',
          startId: '0',
          batchSize: 50,
          blockMs: 100,
          claimIdleMs: 60_000,
          probe: async () => undefined,
          logger: silent,
          handleBatch: async (entries) => {
            read.push(...entries);
            const bad = entries.filter((e) => e.fields?.['event']?.startsWith('{broken'));
            return { dead: bad.map((e) => ({ entryId: e.id, code: 'invalid_json' as const, reason: 'broken', original: e.fields!['event'] })) };
          },
        }),
    );
    for (const c of consumers) await c.start();
    const deadline = Date.now() + 10_000;
    while (read.length < workspaces.length + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.all(consumers.map((c) => c.stop()));
    expect(read).toHaveLength(workspaces.length + 1);
    expect(await cluster.xlen(deadLetterStreamOf(streams[1]))).toBe(1);
    for (const s of streams) {
      const pending = (await cluster.xpending(s, 'g')) as [number, ...unknown[]];
      expect(pending[0]).toBe(0);
    }

    const notifier = new PipelineChangeNotifier(redis, stream);
    await notifier.notify('p-1', 'created');
    expect(await cluster.get(pipelinesVersionKeyOf(stream))).toBe('1');
  }, 30_000);

  it('runs BullMQ queues under their hash-tagged prefixes, each queue on its own slot', async () => {
    const names = ['step-notify', 'step-create-pr'];
    const done: string[] = [];
    const queues = names.map((name) => new Queue(name, { connection: cluster, prefix: queuePrefixOf('mockops', name) }));
    const workers = names.map(
      (name) =>
        new Worker(
          name,
          async (job) => {
            done.push(`${name}:${job.id}`);
            return 'ok';
          },
          { connection: cluster, prefix: queuePrefixOf('mockops', name), concurrency: 2 },
        ),
    );
    for (const [i, q] of queues.entries()) {
      await q.add('step', { i }, { jobId: 'j-1', attempts: 2 });
      await q.addBulk([{ name: 'step', data: {}, opts: { jobId: 'j-2' } }, { name: 'step', data: {}, opts: { jobId: 'j-3', delay: 100 } }]);
    }
    const deadline = Date.now() + 15_000;
    while (done.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(done.sort()).toEqual(names.flatMap((n) => [`${n}:j-1`, `${n}:j-2`, `${n}:j-3`]).sort());
    expect(hashSlot(`${queuePrefixOf('mockops', names[0])}:x`)).not.toBe(hashSlot(`${queuePrefixOf('mockops', names[1])}:x`));
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.close()));
  }, 30_000);
});
