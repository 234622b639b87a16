import { Redis } from 'ioredis';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { hashSlot } from '@mockops/event-stream';
import { queueNameFor } from '@mockops/worker-kit';
import { publishedVersionsRecorder, startService, MatcherService, type RunningService } from '@mockops/runtime';
import { createTestEnv, eventually, startHttpSink, startRedisServer, webhookPipeline, type HttpSink, type RedisServerPeer, type TestEnv } from '@mockops/testing';
import { savePipeline } from './pipeline-builders';

// Redis Cluster readiness (issue 14, item 7): after a real run — gateway POSTs, the matcher, every
// step worker, the published-versions recorder, a dead letter and its replay — every key the install
// created sits on the slot its co-keys need, and every script, MULTI and multi-key command it sent
// touched one slot only (what a cluster refuses with CROSSSLOT). The slots are computed with our own
// CRC16 (tested against the specification's vectors in redis-keys.spec.ts).

interface MonitorLine {
  source: string;
  args: string[];
}

/** The keys Redis itself finds in a command (COMMAND GETKEYS), for many commands at once. */
async function keysOfCommands(redis: Redis, commands: string[][]): Promise<(string[] | null)[]> {
  const out: (string[] | null)[] = [];
  for (let i = 0; i < commands.length; i += 500) {
    const p = redis.pipeline();
    for (const args of commands.slice(i, i + 500)) p.call('COMMAND', 'GETKEYS', ...args);
    const results = (await p.exec()) ?? [];
    for (const [err, keys] of results) out.push(err ? null : (keys as string[]));
  }
  return out;
}

describe.each([1, 4])('Redis Cluster slots of one run (MOCKOPS_EVENTS_PARTITIONS=%i)', (partitions) => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let monitorBase: Redis;
  let monitor: Redis;
  let hooks: HttpSink;
  let server: RedisServerPeer;
  let api: string;
  const lines: MonitorLine[] = [];
  const workspaces = ['ws-slots-a', 'ws-slots-b', 'ws-slots-c', 'ws-slots-d', 'ws-slots-e'];

  beforeAll(async () => {
    hooks = await startHttpSink();
    // A Redis of its own: MONITOR sees this run only (other test files share the common one), and is
    // on before any traffic.
    server = await startRedisServer();
    env = await createTestEnv({ MOCKOPS_EVENTS_PARTITIONS: String(partitions), REDIS_URL: server.url });
    redis = new Redis(server.url);
    monitorBase = new Redis(server.url);
    monitor = await monitorBase.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => lines.push({ source, args }));
    service = await startService(
      { name: 'slots', gateway: true, matcher: true, handlers: 'all', services: [publishedVersionsRecorder] },
      { config: env.config },
    );
    api = `${service.url}/api/v1`;
    await savePipeline(service.infra, webhookPipeline('slots', `${hooks.url}/hook`));
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the matcher to index the pipeline');
  }, 90_000);

  afterAll(async () => {
    monitor?.disconnect();
    monitorBase?.disconnect();
    await service?.stop();
    await redis?.quit();
    await hooks?.stop();
    await env?.cleanup();
    await server?.stop();
  });

  it('keeps every key on the slot of its co-keys, and every script and MULTI on one slot', async () => {
    const post = (body: unknown) =>
      fetch(`${api}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Events of several workspaces (the partitions, when there are several), one posted twice (dedupe key).
    for (const [i, ws] of workspaces.entries()) {
      const body = { id: `evt-${i}`, type: 'scenario.published', workspace_id: ws, payload: { scenario_id: `sc-${i}`, version: '1', workspace_id: ws } };
      expect((await post(body)).status).toBe(202);
      if (i === 0) expect(await (await post(body)).json()).toMatchObject({ duplicate: true });
    }
    // A malformed entry: dead-lettered by the matcher, then replayed corrected through the API.
    const stream = service.infra.publisher.streamName;
    await redis.xadd(stream, '*', 'event', '{not json');
    const dead = await eventually(async () => {
      const page = (await (await fetch(`${api}/dead-letters`)).json()) as { items: { id: string }[] };
      return page.items[0];
    }, 'the dead letter');
    const replay = await fetch(`${api}/dead-letters/${dead.id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt-replayed', type: 'scenario.published', workspace_id: workspaces[1], payload: { scenario_id: 'sc-r', version: '2', workspace_id: workspaces[1] } }),
    });
    expect(replay.status).toBe(200);
    await hooks.waitFor(workspaces.length + 1, 30_000);
    await eventually(async () => {
      const list = await service.infra.store.listExecutions({ limit: 100 });
      return list.items.length === workspaces.length + 1 && list.items.every((e) => e.status === 'succeeded');
    }, 'every execution to succeed');
    await new Promise((r) => setTimeout(r, 300));
    monitor.disconnect();

    // --- Every key of this install, by what it belongs to.
    const prefix = env.env.MOCKOPS_QUEUE_PREFIX;
    const base = env.config.events.stream;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${prefix.replace(/^test-/, '')}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const queues = STEP_TYPES.map((t) => queueNameFor(t));
    const streams = (await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'stream' ? k : null)))).filter(
      (k): k is string => k !== null && (k === base || k.startsWith(`${base}:p`)),
    );
    expect(streams.sort()).toHaveLength(partitions);
    const groups = new Map<string, string[]>();
    const add = (group: string, key: string) => groups.set(group, [...(groups.get(group) ?? []), key]);
    for (const key of keys) {
      const queue = queues.find((q) => key.includes(`:${q}:`) || key.endsWith(`:${q}`));
      // The longest stream name the key carries: a partition's co-keys name their partition.
      const owner = streams.filter((s) => key === s || key.includes(`{${s}}`) || key.startsWith(`${s}:`)).sort((a, b) => b.length - a.length)[0];
      if (queue && key.includes(prefix)) add(`queue ${queue}`, key);
      else if (owner) add(`stream ${owner}`, key);
      else throw new Error(`a key of this install belongs to no queue or stream: ${key}`);
    }
    // What the run must have created: each queue's keys, each stream's dead letters, dedupe keys, replay marks.
    for (const q of queues) expect(groups.get(`queue ${q}`)?.length).toBeGreaterThan(1);
    const eventKeys = [...groups].filter(([g]) => g.startsWith('stream ')).flatMap(([, k]) => k);
    expect(eventKeys.some((k) => k.includes(':seen:'))).toBe(true);
    expect(eventKeys.some((k) => k.endsWith(':dead'))).toBe(true);
    expect(eventKeys.some((k) => k.endsWith(':dead:replayed'))).toBe(true);

    for (const [group, members] of groups) {
      const expected = group.startsWith('stream ') ? hashSlot(group.slice('stream '.length)) : hashSlot(members[0]);
      const off = members.filter((k) => hashSlot(k) !== expected);
      expect({ group, off }).toEqual({ group, off: [] });
    }
    // Each queue is its own slot, so a cluster can spread them.
    expect(new Set(queues.map((q) => hashSlot(groups.get(`queue ${q}`)![0]))).size).toBe(queues.length);

    // --- Every atomic unit this install sent: a script (its declared keys and the commands it ran),
    // a MULTI ... EXEC, or one command with several keys.
    const units: { what: string; commands: string[][] }[] = [];
    const multis = new Map<string, string[][]>();
    let script: { what: string; commands: string[][] } | null = null;
    for (const { source, args } of lines) {
      const name = args[0]?.toLowerCase();
      if (source === 'lua') {
        script?.commands.push(args);
        continue;
      }
      script = null;
      if (name === 'multi') multis.set(source, []);
      else if (name === 'exec' || name === 'discard') {
        const cmds = multis.get(source);
        multis.delete(source);
        if (cmds && name === 'exec') units.push({ what: `MULTI ${cmds.map((c) => c[0]).join(' ')}`, commands: cmds });
      } else if (multis.has(source)) multis.get(source)!.push(args);
      else if (name === 'eval' || name === 'evalsha') {
        script = { what: `${name} ${args[1].slice(0, 40).replace(/\s+/g, ' ')}`, commands: [args] };
        units.push(script);
      } else units.push({ what: name ?? '', commands: [args] });
    }
    const flat = units.flatMap((u, i) => u.commands.map((c) => ({ unit: i, command: c })));
    const keysOf = await keysOfCommands(redis, flat.map((f) => f.command));
    const keysOfUnit = new Map<number, string[]>();
    flat.forEach((f, i) => keysOfUnit.set(f.unit, [...(keysOfUnit.get(f.unit) ?? []), ...(keysOf[i] ?? [])]));
    const ours = (k: string) => k.includes(prefix) || k.includes(base);
    let checked = 0;
    const crossSlot: string[] = [];
    for (const [i, unitKeys] of keysOfUnit) {
      if (!unitKeys.some(ours)) continue; // another test's traffic on the shared Redis
      checked++;
      const slots = new Set(unitKeys.map((k) => hashSlot(k)));
      if (slots.size > 1) crossSlot.push(`${units[i].what}: ${unitKeys.join(', ')}`);
    }
    expect(crossSlot).toEqual([]);
    // The run did send scripts (publish, BullMQ) and MULTIs (ack with dead letters).
    expect(checked).toBeGreaterThan(50);
    expect(units.some((u) => u.what.startsWith('MULTI') && u.commands.some((c) => c[0].toLowerCase() === 'xack'))).toBe(true);
  }, 120_000);
});
