import type { Redis } from 'ioredis';
import { coKeyOf, crc16 } from './redis-keys';

/**
 * The event stream in N partitions (MOCKOPS_EVENTS_PARTITIONS), so that more than one Redis node (a
 * cluster puts each partition and its co-keys on their own slot) and more than one consumer per
 * group can carry the events. Partition 0 is the stream itself, partition i > 0 is `<stream>:p<i>`:
 * one partition is today's single stream, and raising N keeps the old stream in use.
 *
 * A producer picks the partition from the workspace id, so one workspace's events stay in one
 * partition, in the order they were added, and the matcher reads each partition in order.
 */
export function partitionStreamsOf(stream: string, partitions = 1): string[] {
  const n = Math.max(1, Math.floor(partitions));
  return Array.from({ length: n }, (_, i) => (i === 0 ? stream : `${stream}:p${i}`));
}

/**
 * The partition of a workspace's events: CRC16-XMODEM of the workspace id's UTF-8 bytes (Redis
 * Cluster's key hash, in every Redis client library) modulo the number of partitions. Events without
 * a workspace go to partition 0. Producers that XADD themselves must use the same function.
 */
export function partitionOf(workspaceId: string | null | undefined, partitions = 1): number {
  if (partitions <= 1 || !workspaceId) return 0;
  return crc16(workspaceId) % Math.floor(partitions);
}

/** The stream a workspace's events go to. */
export function partitionStreamOf(stream: string, workspaceId: string | null | undefined, partitions = 1): string {
  return partitionStreamsOf(stream, partitions)[partitionOf(workspaceId, partitions)];
}

/** Where an install records its number of partitions (a co-key of partition 0). */
export function partitionCountKeyOf(stream: string): string {
  return coKeyOf(stream, 'partitions');
}

export class PartitionCountMismatchError extends Error {
  constructor(
    readonly configured: number,
    readonly recorded: number,
    readonly key: string,
  ) {
    super(
      `MOCKOPS_EVENTS_PARTITIONS=${configured}, but this install's event stream has ${recorded} partition(s) (Redis key ${key}). ` +
        `Every process must use the same number, or events land in partitions nobody reads. To change it: drain the stream ` +
        `(matcher lag 0), run \`redis-cli SET '${key}' ${configured}\`, then restart every process with the new value (docs/scaling.md).`,
    );
    this.name = 'PartitionCountMismatchError';
  }
}

/**
 * Records the install's number of partitions on first use and refuses a process configured with
 * another one: a gateway on 4 partitions beside matchers on 1 would add events that are never read.
 */
export async function checkPartitionCount(redis: Pick<Redis, 'set' | 'get'>, stream: string, partitions: number): Promise<void> {
  const key = partitionCountKeyOf(stream);
  if ((await redis.set(key, String(partitions), 'NX')) === 'OK') return;
  const recorded = Number(await redis.get(key));
  if (recorded !== partitions) throw new PartitionCountMismatchError(partitions, recorded, key);
}
