import { Redis } from 'ioredis';
import { EventPublisher } from '@mockops/event-stream';
import { TEST_REDIS_URL, uniqueSuffix } from '@mockops/testing';
import { scanStreams, streamsFor, type ScannedEntry } from './stream-scan';

describe('scanStreams / streamsFor (real Redis)', () => {
  let redis: Redis;
  const base = `test:scan:${uniqueSuffix()}`;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${base}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  async function fill(stream: string, sizes: number[]): Promise<string[]> {
    const ids: string[] = [];
    for (const size of sizes) ids.push((await redis.xadd(stream, '*', 'event', 'x'.repeat(size)))!);
    return ids;
  }

  it('reads every entry in order, page after page, when the budget allows', async () => {
    const stream = `${base}:a`;
    const ids = await fill(stream, Array.from({ length: 600 }, () => 10));
    const seen: string[] = [];
    const out = await scanStreams(redis, [stream], { from: '-', to: '+' }, { maxEntries: 10_000, maxBytes: 1 << 20 }, (e) => seen.push(e.id));
    expect(seen).toEqual(ids);
    expect(out).toMatchObject({ read: 600, truncated: false });
    const newestFirst: string[] = [];
    await scanStreams(redis, [stream], { from: '-', to: '+', reverse: true }, { maxEntries: 10_000, maxBytes: 1 << 20 }, (e) => newestFirst.push(e.id));
    expect(newestFirst).toEqual([...ids].reverse());
  });

  it('stops at the byte budget and at the entry budget, across streams, and says so', async () => {
    const one = `${base}:b1`;
    const two = `${base}:b2`;
    await fill(one, [100_000, 100_000, 100_000]);
    await fill(two, [100_000, 100_000]);
    const seen: ScannedEntry[] = [];
    const byBytes = await scanStreams(redis, [one, two], { from: '-', to: '+' }, { maxEntries: 100, maxBytes: 250_000 }, (e) => seen.push(e));
    // The third entry crosses the budget: it is the last one read.
    expect(byBytes).toMatchObject({ read: 3, truncated: true });
    expect(seen.map((e) => e.stream)).toEqual([one, one, one]);
    const byCount = await scanStreams(redis, [one, two], { from: '-', to: '+' }, { maxEntries: 4, maxBytes: 1 << 30 }, () => undefined);
    expect(byCount).toMatchObject({ read: 4, truncated: true });
  });

  it("reads only a workspace's partition and partition 0 for a workspace, every partition otherwise", () => {
    const publisher = new EventPublisher(redis, { stream: base, partitions: 4 });
    const options = { publisher } as unknown as Parameters<typeof streamsFor>[0];
    const all = publisher.streamNames;
    expect(streamsFor(options, null)).toEqual(all);
    expect(streamsFor(options, ['acme'])).toEqual([...new Set([all[0], publisher.streamFor('acme')])]);
    expect(streamsFor(options, ['acme']).length).toBeLessThan(all.length);
  });
});
