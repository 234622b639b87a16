import { crc16 } from './redis-keys';

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
