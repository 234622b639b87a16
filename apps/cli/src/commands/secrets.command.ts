import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../lib/context';
import { CommandFailed, UsageError } from '../lib/context';
import { json, renderTable } from '../lib/output';
import { outputOption } from './pipelines.command';

interface SecretView {
  workspace_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

/**
 * The secret value: from --from-file (as is), else from stdin (one trailing newline dropped, as
 * `echo "$TOKEN" | mockforge secrets set NAME` adds one), read without echoing on a terminal. Never
 * from an argument: it would land in the shell history and the process list.
 */
async function readValue(ctx: CliContext, fromFile?: string): Promise<string> {
  let value: string;
  if (fromFile) {
    try {
      value = readFileSync(fromFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${fromFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else {
    value = (await ctx.readSecretInput('Value (input hidden): ')).replace(/\r?\n$/, '');
  }
  if (!value) throw new UsageError('the secret value is empty: pipe it on stdin or use --from-file <file>');
  return value;
}

export function secretsCommand(ctx: CliContext): Command {
  const cmd = new Command('secrets').description("workspace secrets for {{ secrets.NAME }} (values are encrypted at rest and never shown)");
  cmd
    .command('set <name>')
    .description('create or replace a secret; the value comes from stdin or --from-file, never from the command line')
    .requiredOption('--workspace <id>', 'the workspace that owns the secret')
    .option('--from-file <file>', 'read the value from this file (kept byte for byte)')
    .addOption(outputOption())
    .action(async (name: string, opts: { workspace: string; fromFile?: string; output: 'table' | 'json' }) => {
      const value = await readValue(ctx, opts.fromFile);
      const path = `workspaces/${encodeURIComponent(opts.workspace)}/secrets/${encodeURIComponent(name)}`;
      const res = await ctx.client().request<SecretView>('PUT', path, { json: { value } });
      if (opts.output === 'json') return ctx.io.out(json(res));
      ctx.io.out(`Secret ${res.name} set in workspace ${res.workspace_id} (updated ${res.updated_at})\n`);
    });
  cmd
    .command('list')
    .description("a workspace's secrets: names and times, never values")
    .requiredOption('--workspace <id>', 'the workspace')
    .addOption(outputOption())
    .action(async (opts: { workspace: string; output: 'table' | 'json' }) => {
      const res = await ctx.client().request<{ items: SecretView[] }>('GET', `workspaces/${encodeURIComponent(opts.workspace)}/secrets`);
      if (opts.output === 'json') return ctx.io.out(json(res));
      if (!res.items.length) return ctx.io.out(`No secrets in workspace ${opts.workspace}\n`);
      ctx.io.out(
        renderTable(res.items, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'CREATED', value: (s) => s.created_at },
          { header: 'UPDATED', value: (s) => s.updated_at },
        ]),
      );
    });
  cmd
    .command('delete <name>')
    .description('delete a secret (steps that use it then fail with SECRET_NOT_SET)')
    .requiredOption('--workspace <id>', 'the workspace')
    .action(async (name: string, opts: { workspace: string }) => {
      await ctx.client().request('DELETE', `workspaces/${encodeURIComponent(opts.workspace)}/secrets/${encodeURIComponent(name)}`);
      ctx.io.out(`Secret ${name} deleted from workspace ${opts.workspace}\n`);
    });
  cmd
    .command('rotate-key')
    .description('re-encrypt every stored secret under the first key of MOCKOPS_SECRETS_KEY (admin key; run after putting a new key first)')
    .addOption(outputOption())
    .action(async (opts: { output: 'table' | 'json' }) => {
      const res = await ctx.client().request<{ rotated: number; active_key_id: string; unreadable: string[] }>('POST', 'secrets/rotate-key');
      if (opts.output === 'json') return ctx.io.out(json(res));
      ctx.io.out(`Re-encrypted ${res.rotated} secret value(s) under key ${res.active_key_id}\n`);
      if (res.unreadable.length) {
        ctx.io.err(`${res.unreadable.length} value(s) do not decrypt with any configured key (left as they are): ${res.unreadable.join(', ')}\n`);
        throw new CommandFailed();
      }
    });
  return cmd;
}
