import { Command } from 'commander';
import type { CliContext } from '../lib/context';
import { UsageError } from '../lib/context';
import { readTextFile } from '../lib/files';
import { json, renderTable } from '../lib/output';
import { outputOption } from './pipelines.command';

/** `--data @file.json`, `--data @-` (stdin) or inline JSON; the payload must be an object. */
export function readPayload(ctx: CliContext, data: string): Record<string, unknown> {
  const text = data.startsWith('@') ? readTextFile(data.slice(1), ctx.io) : data;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--data is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--data must be a JSON object (the event payload)');
  return parsed as Record<string, unknown>;
}

export function eventsCommand(ctx: CliContext): Command {
  const cmd = new Command('events').description('publish domain events, replay them, and handle the dead-letter stream');
  cmd
    .command('publish')
    .description('publish an event to the stream through the gateway')
    .requiredOption('--type <type>', 'event type, e.g. schema.changed')
    .requiredOption('--data <json>', "payload: @file.json, @- for stdin, or inline '{...}'")
    .option('--workspace <id>', 'workspace the event belongs to')
    .option('--workspace-name <name>', "workspace's display name")
    .option('--id <id>', 'idempotency key: publishing the same id twice is a no-op')
    .option('--source <source>', 'who produced the event')
    .addOption(outputOption())
    .action(async (opts: { type: string; data: string; workspace?: string; workspaceName?: string; id?: string; source?: string; output: 'table' | 'json' }) => {
      const payload = readPayload(ctx, opts.data);
      const res = await ctx.client().request<{ id: string; duplicate: boolean }>('POST', 'events', {
        json: {
          type: opts.type,
          payload,
          ...(opts.id ? { id: opts.id } : {}),
          ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
          ...(opts.workspaceName ? { workspace_name: opts.workspaceName } : {}),
          ...(opts.source ? { source: opts.source } : {}),
        },
      });
      if (opts.output === 'json') return ctx.io.out(json(res));
      ctx.io.out(res.duplicate ? `Event ${res.id} was already published; nothing sent\n` : `Published event ${res.id}\n`);
    });

  cmd
    .command('replay')
    .description('re-publish a stored event under a new id that records its origin (replay_of)')
    .argument('<event-id>', "the event's id (as in an execution's event_id)")
    .option('--workspace <id>', 'the workspace of the event, when the id exists in several')
    .option('--id <id>', 'the new event id (replaying again with it is a no-op); default a new random id')
    .addOption(outputOption())
    .action(async (eventId: string, opts: { workspace?: string; id?: string; output: 'table' | 'json' }) => {
      const res = await ctx.client().request<{ id: string; replay_of: string; duplicate: boolean; entry_id: string | null; found_in: string }>(
        'POST',
        `events/${encodeURIComponent(eventId)}/replay`,
        { json: { ...(opts.workspace ? { workspace_id: opts.workspace } : {}), ...(opts.id ? { id: opts.id } : {}) } },
      );
      if (opts.output === 'json') return ctx.io.out(json(res));
      ctx.io.out(res.duplicate ? `Event ${res.id} (replay of ${res.replay_of}) was already published; nothing sent\n` : `Replayed event ${res.replay_of} as ${res.id} (stream entry ${res.entry_id})\n`);
    });

  const dead = cmd.command('dead').description('the dead-letter stream: entries the matcher could not process');
  dead
    .command('list')
    .description('dead entries, newest first, with the reason and whether each was replayed')
    .option('--limit <n>', 'how many (1-200)')
    .option('--cursor <cursor>', 'continue a previous listing')
    .addOption(outputOption())
    .action(async (opts: { limit?: string; cursor?: string; output: 'table' | 'json' }) => {
      const page = await ctx.client().request<{ items: DeadLetter[]; next_cursor: string | null }>('GET', 'dead-letters', { query: { limit: opts.limit, cursor: opts.cursor } });
      if (opts.output === 'json') return ctx.io.out(json(page));
      if (!page.items.length) ctx.io.err('No dead letters.\n');
      else ctx.io.out(renderTable(page.items, DEAD_COLUMNS));
      if (page.next_cursor) ctx.io.err(`More: --cursor ${page.next_cursor}\n`);
    });
  dead
    .command('replay')
    .description('put a dead entry back on the stream (as it was, or corrected with --data); the entry is marked replayed')
    .argument('<entry-id>', 'the dead entry id (from `events dead list`)')
    .option('--data <json>', "the corrected event envelope: @file.json, @- for stdin, or inline '{...}'")
    .addOption(outputOption())
    .action(async (entryId: string, opts: { data?: string; output: 'table' | 'json' }) => {
      const corrected = opts.data === undefined ? undefined : readPayload(ctx, opts.data);
      const res = await ctx.client().request<{ id: string; entry_id: string; event_id: string; event_type: string }>(
        'POST',
        `dead-letters/${encodeURIComponent(entryId)}/replay`,
        corrected ? { json: corrected } : {},
      );
      if (opts.output === 'json') return ctx.io.out(json(res));
      ctx.io.out(`Replayed dead entry ${res.id} as stream entry ${res.entry_id} (event ${res.event_id}, ${res.event_type})\n`);
    });
  return cmd;
}

interface DeadLetter {
  id: string;
  reason: string;
  event_type: string | null;
  event_id: string | null;
  workspace_id: string | null;
  at: string | null;
  replayed: { entry_id: string; at: string } | null;
}

const DEAD_COLUMNS = [
  { header: 'ENTRY', value: (d: DeadLetter) => d.id },
  { header: 'EVENT', value: (d: DeadLetter) => (d.event_type || d.event_id ? `${d.event_type ?? '?'} ${d.event_id ?? ''}`.trim() : null) },
  { header: 'WORKSPACE', value: (d: DeadLetter) => d.workspace_id },
  { header: 'REPLAYED', value: (d: DeadLetter) => (d.replayed ? `as ${d.replayed.entry_id}` : 'no') },
  { header: 'REASON', value: (d: DeadLetter) => d.reason },
];
