import type { Redis } from 'ioredis';
import { entryFields } from '@mockops/event-stream';
import type { ResolvedGatewayOptions } from '../gateway.options';
import { eventsStreamsOf } from '../run-view/run-view.tokens';

/** One stream entry as read: its id, fields and size in bytes. */
export interface ScannedEntry {
  stream: string;
  id: string;
  fields: Record<string, string>;
  bytes: number;
}

export interface ScanBudget {
  /** Entries read at most (all streams together). */
  maxEntries: number;
  /** Bytes of entries read at most (all streams together): one request never holds more. */
  maxBytes: number;
}

/** At most this many bytes are asked for in one XRANGE page, whatever the entries' sizes. */
const PAGE_BYTES = 8 * 1024 * 1024;
const MAX_PAGE = 500;

/**
 * The partition streams a request of these workspaces has to read: a workspace's events are on its
 * partition, and events naming their workspace only in the payload are on partition 0 (producers pick
 * the partition from the envelope's workspace_id). `null` (an admin, a global pipeline): every one.
 */
export function streamsFor(options: Pick<ResolvedGatewayOptions, 'publisher'>, workspaces: readonly string[] | null): string[] {
  const all = eventsStreamsOf(options);
  if (workspaces === null || all.length === 1) return all;
  const publisher = options.publisher as { streamFor?: (ws: string | null) => string };
  if (typeof publisher.streamFor !== 'function') return all;
  return [...new Set([all[0], ...workspaces.map((ws) => publisher.streamFor!(ws))])];
}

/**
 * Reads entries of the streams in id order between `from` and `to` (`reverse`: newest first), page by
 * page, within one budget of entries and bytes for all of them; `visit` sees each entry as it is read
 * and keeps what it needs. Pages start small and grow while entries are small, so one page never holds
 * much more than PAGE_BYTES even when every entry is as large as the stream allows.
 */
export async function scanStreams(
  redis: Redis,
  streams: readonly string[],
  range: { from: string; to: string; reverse?: boolean },
  budget: ScanBudget,
  visit: (entry: ScannedEntry) => void,
): Promise<{ read: number; bytes: number; truncated: boolean }> {
  let read = 0;
  let bytes = 0;
  for (const stream of streams) {
    let cursor = range.reverse ? range.to : range.from;
    let page = 16;
    for (;;) {
      if (read >= budget.maxEntries || bytes >= budget.maxBytes) return { read, bytes, truncated: true };
      const count = Math.max(1, Math.min(page, budget.maxEntries - read));
      const batch = (
        range.reverse ? await redis.xrevrange(stream, cursor, range.from, 'COUNT', count) : await redis.xrange(stream, cursor, range.to, 'COUNT', count)
      ) as [string, string[]][];
      let largest = 1;
      for (const [id, flat] of batch) {
        const fields = entryFields(flat);
        const size = Object.values(fields).reduce((n, v) => n + Buffer.byteLength(v), 0);
        largest = Math.max(largest, size);
        read++;
        bytes += size;
        visit({ stream, id, fields, bytes: size });
      }
      if (batch.length < count) break;
      cursor = `(${batch[batch.length - 1][0]}`;
      page = Math.max(1, Math.min(MAX_PAGE, Math.floor(PAGE_BYTES / largest)));
    }
  }
  return { read, bytes, truncated: false };
}
