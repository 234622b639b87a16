import { CLUSTER_SLOTS, coKeyOf, crc16, hasHashTag, hashSlot, queuePrefixOf } from './redis-keys';
import { deadLetterStreamOf, dedupeKeyOf, pipelinesVersionKeyOf } from './wire';

describe('Redis Cluster key slots', () => {
  it('computes CRC16-XMODEM as the cluster specification gives it', () => {
    // The specification's test vector (cluster-spec, appendix A): "123456789" → 0x31C3.
    expect(crc16('123456789')).toBe(0x31c3);
    expect(crc16('')).toBe(0);
    expect(crc16('A')).toBe(0x58e5);
  });

  it('hashes keys to the slots Redis reports (CLUSTER KEYSLOT values)', () => {
    // Values from Redis' own CLUSTER KEYSLOT, as listed in its documentation and test suite.
    expect(hashSlot('somekey')).toBe(11058);
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
    expect(hashSlot('{user1000}.followers')).toBe(hashSlot('{user1000}.following'));
  });

  it('applies the hash-tag rules: first { to the next }, an empty tag hashes the whole key', () => {
    expect(hashSlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % CLUSTER_SLOTS);
    expect(hashSlot('foo{{bar}}zap')).toBe(crc16('{bar') % CLUSTER_SLOTS);
    expect(hashSlot('foo{bar}{zap}')).toBe(crc16('bar') % CLUSTER_SLOTS);
    expect(hashSlot('foo{bar')).toBe(crc16('foo{bar') % CLUSTER_SLOTS);
    expect(hasHashTag('a{b}c')).toBe(true);
    expect(hasHashTag('a{}c')).toBe(false);
    expect(hasHashTag('mockops:events')).toBe(false);
  });

  it('puts a stream and its co-keys on one slot, whatever the stream is called', () => {
    for (const stream of ['mockops:events', 'test:abc:events', 'mockops:events:p3', '{tenant}:events', 'ünïcode:events']) {
      const slot = hashSlot(stream);
      expect(hashSlot(deadLetterStreamOf(stream))).toBe(slot);
      expect(hashSlot(`${deadLetterStreamOf(stream)}:replayed`)).toBe(slot);
      expect(hashSlot(dedupeKeyOf(stream, 'ws-1', 'evt-1'))).toBe(slot);
      expect(hashSlot(dedupeKeyOf(stream, '{evil}', '{evil}'))).toBe(slot);
      expect(hashSlot(pipelinesVersionKeyOf(stream))).toBe(slot);
    }
    expect(coKeyOf('mockops:events', 'dead')).toBe('{mockops:events}:dead');
    expect(coKeyOf('{tenant}:events', 'dead')).toBe('{tenant}:events:dead');
  });

  it('gives each BullMQ queue its own hash-tagged prefix', () => {
    expect(queuePrefixOf('mockops', 'step-notify')).toBe('{mockops:step-notify}');
    const keyOf = (q: string, suffix: string) => `${queuePrefixOf('mockops', q)}:${q}:${suffix}`;
    expect(hashSlot(keyOf('step-notify', 'wait'))).toBe(hashSlot(keyOf('step-notify', '42:lock')));
    expect(hashSlot(keyOf('step-notify', 'wait'))).not.toBe(hashSlot(keyOf('step-create-pr', 'wait')));
  });
});
