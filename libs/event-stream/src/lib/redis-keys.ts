/**
 * Key names for Redis Cluster. A cluster spreads keys over 16,384 hash slots, and a Lua script, a
 * MULTI or a multi-key command may only touch keys of one slot (else CROSSSLOT). A key's slot is the
 * CRC16 of its hash tag — the text between the first `{` and the next `}`, when not empty — or of the
 * whole key. So every key that is used together with another carries that other key's tag:
 *
 *   stream          mockops:events                           (no tag: hashed whole, unchanged name)
 *   its co-keys     {mockops:events}:dead                    dead letters, acked in one MULTI with the stream
 *                   {mockops:events}:dead:replayed           replay marks, one script with the stream
 *                   {mockops:events}:seen:<ws>:<event id>    producer dedupe, one script with the stream
 *   BullMQ queue    {mockops:step-notify}:step-notify:*      BullMQ's scripts touch all keys of one queue
 *
 * Each stream partition and each step queue is its own slot, so a cluster spreads them over its nodes.
 * The functions below follow the Redis Cluster specification (cluster-spec, "Keys distribution model").
 */

export const CLUSTER_SLOTS = 16_384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the checksum Redis Cluster hashes keys with. */
export function crc16(data: string | Buffer): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/** The part of the key Redis Cluster hashes: its hash tag when it has a non-empty one, else the whole key. */
export function hashedPartOf(key: string | Buffer): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // {
  if (open === -1) return bytes;
  const close = bytes.indexOf(0x7d, open + 1); // }
  if (close === -1 || close === open + 1) return bytes;
  return bytes.subarray(open + 1, close);
}

/** The cluster hash slot of a key (0..16383). */
export function hashSlot(key: string | Buffer): number {
  return crc16(hashedPartOf(key)) % CLUSTER_SLOTS;
}

/** Whether the key names a hash tag of its own (`{...}` with something inside). */
export function hasHashTag(key: string): boolean {
  return hashedPartOf(key).length !== Buffer.byteLength(key, 'utf8');
}

/**
 * A key on the same slot as `base`: `{base}:suffix` (a base without braces is hashed whole, so its
 * tag is the base itself), or `base:suffix` when the base carries a tag already.
 */
export function coKeyOf(base: string, suffix: string): string {
  return hasHashTag(base) ? `${base}:${suffix}` : `{${base}}:${suffix}`;
}

/**
 * The BullMQ prefix of one step queue: `{<prefix>:<queue>}`. BullMQ names every key of a queue
 * `<prefix>:<queue>:...` and its scripts touch several of them at once, so the prefix carries a hash
 * tag (BullMQ's documented requirement for Redis Cluster); one tag per queue puts each queue on its
 * own slot, so the queues spread over the cluster's nodes. No script of ours or BullMQ's (we use no
 * flows) touches two queues.
 */
export function queuePrefixOf(prefix: string, queueName: string): string {
  return `{${prefix}:${queueName}}`;
}
