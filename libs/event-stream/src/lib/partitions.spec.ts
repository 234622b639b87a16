import { crc16, hashSlot } from './redis-keys';
import { partitionOf, partitionStreamOf, partitionStreamsOf } from './partitions';
import { deadLetterStreamOf, dedupeKeyOf } from './wire';

describe('event stream partitions', () => {
  it('keeps one partition the stream of old', () => {
    expect(partitionStreamsOf('mockops:events')).toEqual(['mockops:events']);
    expect(partitionStreamsOf('mockops:events', 1)).toEqual(['mockops:events']);
    expect(partitionStreamOf('mockops:events', 'ws-a', 1)).toBe('mockops:events');
    expect(partitionStreamsOf('mockops:events', 4)).toEqual(['mockops:events', 'mockops:events:p1', 'mockops:events:p2', 'mockops:events:p3']);
  });

  it('picks the partition by CRC16 of the workspace id, stable and spread', () => {
    expect(partitionOf('ws-a', 4)).toBe(crc16('ws-a') % 4);
    expect(partitionOf(undefined, 4)).toBe(0);
    expect(partitionOf('', 4)).toBe(0);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) counts[partitionOf(`workspace-${i}`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(150);
    expect(partitionStreamOf('s', 'ws-a', 4)).toBe(partitionStreamOf('s', 'ws-a', 4));
  });

  it('gives each partition its own slot for its co-keys', () => {
    for (const stream of partitionStreamsOf('mockops:events', 8)) {
      expect(hashSlot(deadLetterStreamOf(stream))).toBe(hashSlot(stream));
      expect(hashSlot(dedupeKeyOf(stream, 'ws', 'id'))).toBe(hashSlot(stream));
    }
    expect(new Set(partitionStreamsOf('mockops:events', 8).map(hashSlot)).size).toBe(8);
  });
});
