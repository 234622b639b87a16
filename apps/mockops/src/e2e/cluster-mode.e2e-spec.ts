import { Cluster } from 'ioredis';
import { partitionStreamsOf } from '@mockops/event-stream';
import { MatcherService, publishedVersionsRecorder, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, startRedisCluster, webhookPipeline, type HttpSink, type RedisClusterPeer, type TestEnv } from '@mockops/testing';
import { savePipeline } from './pipeline-builders';

// The product on a real three-node Redis Cluster (MOCKOPS_REDIS_CLUSTER=true, REDIS_URL = one node):
// events POSTed to the gateway into 3 partitions spread over the nodes, matched, their notify steps
// run by BullMQ workers under the hash-tagged queue prefixes, a dead letter listed and replayed, the
// shared-state gauges sampled. Any key layout that put a script's or a MULTI's keys on two slots
// would fail here with CROSSSLOT.
describe('MockOps on a Redis Cluster', () => {
  let peer: RedisClusterPeer;
  let env: TestEnv;
  let service: RunningService;
  let hooks: HttpSink;
  let cluster: Cluster;
  let api: string;
  const workspaces = ['ws-c-1', 'ws-c-2', 'ws-c-3', 'ws-c-4', 'ws-c-5', 'ws-c-6'];

  beforeAll(async () => {
    [peer, hooks] = await Promise.all([startRedisCluster(3), startHttpSink()]);
    env = await createTestEnv({ REDIS_URL: peer.url, MOCKOPS_REDIS_CLUSTER: 'true', MOCKOPS_EVENTS_PARTITIONS: '3' });
    cluster = new Cluster([{ host: '127.0.0.1', port: peer.ports[0] }]);
    service = await startService(
      { name: 'clustered', gateway: true, matcher: true, handlers: 'all', services: [publishedVersionsRecorder] },
      { config: env.config },
    );
    api = `${service.url}/api/v1`;
    await savePipeline(service.infra, webhookPipeline('clustered', `${hooks.url}/hook`));
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the matcher to index the pipeline');
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await cluster?.quit().catch(() => cluster.disconnect());
    await hooks?.stop();
    await peer?.stop();
    await env?.cleanup();
  });

  it('matches, runs and dead-letters through the cluster', async () => {
    const post = (body: unknown) => fetch(`${api}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [i, ws] of workspaces.entries()) {
      const body = { id: `evt-${i}`, type: 'scenario.published', workspace_id: ws, payload: { scenario_id: `sc-${i}`, version: '1', workspace_id: ws } };
      expect((await post(body)).status).toBe(202);
    }
    expect(await (await post({ id: 'evt-0', type: 'scenario.published', workspace_id: workspaces[0], payload: { scenario_id: 'sc-0', version: '1', workspace_id: workspaces[0] } })).json()).toMatchObject({
      duplicate: true,
    });
    // The partitions are on more than one node.
    const streams = partitionStreamsOf(env.config.events.stream, 3);
    const slots = (await cluster.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    const nodeOf = async (key: string) => {
      const slot = Number(await cluster.cluster('KEYSLOT', key));
      return slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
    };
    expect(new Set(await Promise.all(streams.map(nodeOf))).size).toBeGreaterThan(1);
    expect(new Set((await Promise.all(streams.map((s) => cluster.xlen(s)))).map((n) => n > 0)).has(true)).toBe(true);

    // A malformed entry on partition 2: dead-lettered, listed, replayed (corrected) through the API.
    await cluster.xadd(streams[2], '*', 'event', '{not json');
    const dead = await eventually(async () => {
      const page = (await (await fetch(`${api}/dead-letters`)).json()) as { items: { id: string; stream: string }[] };
      return page.items[0];
    }, 'the dead letter');
    expect(dead.stream).toBe(streams[2]);
    const replay = await fetch(`${api}/dead-letters/${dead.id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt-replayed', type: 'scenario.published', workspace_id: 'ws-c-1', payload: { scenario_id: 'sc-r', version: '2', workspace_id: 'ws-c-1' } }),
    });
    expect(replay.status).toBe(200);
    expect((await fetch(`${api}/dead-letters/${dead.id}/replay`, { method: 'POST' })).status).toBe(409);

    await hooks.waitFor(workspaces.length + 1, 30_000);
    await eventually(async () => {
      const list = await service.infra.store.listExecutions({ limit: 100 });
      return list.items.length === workspaces.length + 1 && list.items.every((e) => e.status === 'succeeded');
    }, 'every execution to succeed');
    expect(hooks.requests.map((r) => r.text).join(' ')).toContain('sc-r');

    // The gateway's shared-state sample reads every partition's group and dead letters on the cluster.
    const sample = await service.sampler!.sampleNow();
    expect(sample.matcher.map((m) => m.partition)).toEqual(streams);
    expect(sample.deadLetterEntries).toBe(1);
    expect(sample.queues.find((q) => q.queue === 'step-notify')?.workers).toBeGreaterThan(0);
  }, 120_000);
});
