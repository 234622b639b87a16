import { Client } from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '@mockops/config';
import { MATCHER_GROUP, entryFields, partitionCountKeyOf, partitionOf, partitionStreamsOf } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, TEST_DATABASE_URL, TEST_REDIS_URL, webhookPipeline, type TestEnv } from '@mockops/testing';
import { savePipeline } from './pipeline-builders';

// MOCKOPS_EVENTS_PARTITIONS=4 on one Redis (issue 14, item 7): the gateway spreads the workspaces'
// events over the partitions by workspace hash, each workspace's events stay in one partition in the
// order they were posted, the matcher (one consumer per partition, one group each) matches every
// event exactly once, and a matcher stopped and started again picks up what came in meanwhile.
describe('event stream in 4 partitions', () => {
  const PARTITIONS = 4;
  const WORKSPACES = Array.from({ length: 24 }, (_, i) => `ws-part-${i}`);
  const PER_WORKSPACE = 6;
  let env: TestEnv;
  let gateway: RunningService;
  let matcher: RunningService | undefined;
  let redis: Redis;
  let pg: Client;
  let api: string;

  const startMatcher = async () => {
    const m = await startService({ name: 'matcher', matcher: true }, { config: env.config });
    await eventually(async () => m.app.get(MatcherService).matcher.index.size === 1, 'the matcher to index the pipeline');
    return m;
  };
  const post = async (ws: string, seq: number) => {
    const res = await fetch(`${api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: `${ws}-e${seq}`, type: 'scenario.published', workspace_id: ws, payload: { scenario_id: `sc-${seq}`, version: String(seq), workspace_id: ws } }),
    });
    expect(res.status).toBe(202);
  };
  const executions = async () =>
    (
      await pg.query<{ event_id: string; event_workspace_id: string; queued_at: Date }>(
        `SELECT event_id, event_workspace_id, queued_at FROM "${env.schema}".executions ORDER BY queued_at`,
      )
    ).rows;

  beforeAll(async () => {
    env = await createTestEnv({ MOCKOPS_EVENTS_PARTITIONS: String(PARTITIONS) });
    redis = new Redis(TEST_REDIS_URL);
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    gateway = await startService({ name: 'gateway', gateway: true }, { config: env.config });
    api = `${gateway.url}/api/v1`;
    // A global pipeline (no workers here: the executions stay queued, which is all this test needs).
    await savePipeline(gateway.infra, webhookPipeline('every-publish', 'http://127.0.0.1:9/hook'));
    matcher = await startMatcher();
  }, 90_000);

  afterAll(async () => {
    await matcher?.stop();
    await gateway?.stop();
    await pg?.end();
    await redis?.quit();
    await env?.cleanup();
  });

  it('spreads workspaces over the partitions, keeps each in order, matches each event once, across a matcher restart', async () => {
    const streams = partitionStreamsOf(env.config.events.stream, PARTITIONS);
    // One consumer group per partition, created by the matcher at start.
    for (const s of streams) {
      const groups = (await redis.xinfo('GROUPS', s)) as unknown[][];
      expect(groups.map((g) => g[1])).toContain(MATCHER_GROUP);
    }

    // First half, interleaved across workspaces; the matcher running.
    for (let seq = 0; seq < PER_WORKSPACE / 2; seq++) for (const ws of WORKSPACES) await post(ws, seq);
    await eventually(async () => (await executions()).length === (WORKSPACES.length * PER_WORKSPACE) / 2, 'the first half to be matched', 30_000);

    // The matcher stops; events keep coming; a new matcher starts and catches up.
    await matcher!.stop();
    matcher = undefined;
    for (let seq = PER_WORKSPACE / 2; seq < PER_WORKSPACE - 1; seq++) for (const ws of WORKSPACES) await post(ws, seq);
    matcher = await startMatcher();
    for (const ws of WORKSPACES) await post(ws, PER_WORKSPACE - 1);
    const total = WORKSPACES.length * PER_WORKSPACE;
    await eventually(async () => (await executions()).length >= total, 'every event to be matched', 30_000);
    await new Promise((r) => setTimeout(r, 500)); // nothing matched twice a little later either

    // Where the events are: each workspace in exactly its hash's partition, in the order posted.
    const seen = new Map<string, { partition: number; seqs: number[] }>();
    const perPartition = streams.map(() => 0);
    for (const [p, s] of streams.entries()) {
      for (const [, flat] of (await redis.xrange(s, '-', '+')) as [string, string[]][]) {
        const event = JSON.parse(entryFields(flat)['event']) as { workspace_id: string; payload: { version: string } };
        const entry = seen.get(event.workspace_id) ?? { partition: p, seqs: [] };
        expect(entry.partition).toBe(p);
        entry.seqs.push(Number(event.payload.version));
        seen.set(event.workspace_id, entry);
        perPartition[p]++;
      }
    }
    expect([...seen.keys()].sort()).toEqual([...WORKSPACES].sort());
    for (const [ws, { partition, seqs }] of seen) {
      expect(partition).toBe(partitionOf(ws, PARTITIONS));
      expect(seqs).toEqual(Array.from({ length: PER_WORKSPACE }, (_, i) => i));
    }
    // Spread: every partition carries some of the 24 workspaces.
    for (const n of perPartition) expect(n).toBeGreaterThan(0);

    // Matched exactly once each, and a workspace's executions were created in the order of its events.
    const rows = await executions();
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(total);
    for (const ws of WORKSPACES) {
      const times = rows.filter((r) => r.event_workspace_id === ws).sort((a, b) => Number(a.event_id.split('-e')[1]) - Number(b.event_id.split('-e')[1]));
      expect(times).toHaveLength(PER_WORKSPACE);
      for (let i = 1; i < times.length; i++) expect(times[i].queued_at.getTime()).toBeGreaterThanOrEqual(times[i - 1].queued_at.getTime());
    }
    // Nothing left pending or undelivered in any partition's group.
    for (const s of streams) {
      const group = ((await redis.xinfo('GROUPS', s)) as unknown[][]).map((g) => Object.fromEntries(g.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])))).find((g) => g['name'] === MATCHER_GROUP)!;
      expect({ s, pending: Number(group['pending']), lag: Number(group['lag']) }).toEqual({ s, pending: 0, lag: 0 });
    }
  }, 120_000);

  it('refuses to start a process configured with another number of partitions', async () => {
    const other = loadConfig({ ...env.env, MOCKOPS_EVENTS_PARTITIONS: '2' });
    await expect(startService({ name: 'wrong', gateway: true }, { config: other })).rejects.toThrow(
      /MOCKOPS_EVENTS_PARTITIONS=2, but this install's event stream has 4 partition\(s\)/,
    );
    expect(await redis.get(partitionCountKeyOf(env.config.events.stream))).toBe('4');
  }, 60_000);
});
