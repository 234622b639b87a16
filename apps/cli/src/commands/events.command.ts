import { Command } from 'commander';
import type { CliContext } from '../lib/context';
import { UsageError } from '../lib/context';
import { readTextFile } from '../lib/files';
import { json } from '../lib/output';
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
  const cmd = new Command('events').description('publish domain events');
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
  return cmd;
}
