import { Command } from 'commander';
import type { PromotionView } from '@mockops/step-auto-promote';
import type { CliContext } from '../lib/context';
import { UsageError } from '../lib/context';
import { json, renderFields, renderTable } from '../lib/output';
import { outputOption } from './pipelines.command';

type OutputFormat = 'table' | 'json';

/** A promotion as the gateway answers it (`/api/v1/promotions`): the server's own view type. */
export type ApiPromotion = PromotionView;

export interface ApiWorkspaceEnvironments {
  workspace_id: string;
  configured: boolean;
  order: string[];
  environments: { name: string; position: number | null; entities: { entity_type: string; entity_id: string; version: string; promotion_id: string | null; updated_at: string }[] }[];
}

const PROMOTION_STATUSES = ['pending', 'approved', 'rejected', 'completed', 'failed'];

const PROMOTION_COLUMNS = [
  { header: 'ID', value: (p: ApiPromotion) => p.id },
  { header: 'STATUS', value: (p: ApiPromotion) => p.status },
  { header: 'WORKSPACE', value: (p: ApiPromotion) => p.workspace_id },
  { header: 'ENTITY', value: (p: ApiPromotion) => `${p.entity_type} ${p.entity_id}` },
  { header: 'VERSION', value: (p: ApiPromotion) => p.version },
  { header: 'FROM → TO', value: (p: ApiPromotion) => `${p.from_environment} → ${p.to_environment}` },
  { header: 'CREATED', value: (p: ApiPromotion) => p.created_at },
  { header: 'ERROR', value: (p: ApiPromotion) => p.error },
];

function promotionFields(p: ApiPromotion): [string, unknown][] {
  return [
    ['ID', p.id],
    ['Status', p.status],
    ['Workspace', p.workspace_id],
    ['Entity', `${p.entity_type} ${p.entity_id}`],
    ['Version', p.version],
    ['From', p.from_environment],
    ['To', p.to_environment],
    ['Comments', p.comments],
    ['Execution', p.execution_id ? `${p.execution_id} (step ${p.step_name})` : null],
    ['Decided by', p.decided_by],
    ['Decision', p.decision_comments],
    ['Error', p.error],
    ['Created', p.created_at],
    ['Completed', p.completed_at],
  ];
}

function printPromotion(ctx: CliContext, p: ApiPromotion, output: OutputFormat) {
  ctx.io.out(output === 'json' ? json(p) : renderFields(promotionFields(p)));
}

function decide(ctx: CliContext, action: 'approve' | 'reject') {
  return async (id: string, opts: { comment?: string; by?: string; output: OutputFormat }) => {
    const p = await ctx.client().request<ApiPromotion>('POST', `promotions/${encodeURIComponent(id)}/${action}`, {
      json: { ...(opts.comment ? { comments: opts.comment } : {}), ...(opts.by ? { decided_by: opts.by } : {}) },
    });
    if (opts.output === 'json') return ctx.io.out(json(p));
    const outcome =
      p.status === 'completed'
        ? `promoted ${p.entity_type} ${p.entity_id} v${p.version} to ${p.to_environment}`
        : p.status === 'failed'
          ? `approved, but the promotion failed: ${p.error}`
          : p.status;
    ctx.io.out(`Promotion ${p.id} ${action === 'approve' ? 'approved' : 'rejected'}: ${outcome}\n`);
  };
}

/**
 * `mockforge promotions list|get|approve|reject` and `mockforge environments <workspace> [--set a,b,c]`.
 * Wire in with `registerPromotionsCommands(program, ctx)` in buildProgram.
 */
export function registerPromotionsCommands(program: Command, ctx: CliContext): void {
  const promotions = new Command('promotions').description('entity promotions between environments (approve or reject the pending ones)');
  promotions
    .command('list')
    .description('list promotions, newest first')
    .option('--workspace <id>', 'only this workspace')
    .option('--status <status>', `only this status (${PROMOTION_STATUSES.join(', ')})`)
    .option('--limit <n>', 'page size')
    .option('--cursor <cursor>', 'continue a previous listing')
    .addOption(outputOption())
    .action(async (opts: { workspace?: string; status?: string; limit?: string; cursor?: string; output: OutputFormat }) => {
      if (opts.status && !PROMOTION_STATUSES.includes(opts.status)) {
        throw new UsageError(`--status must be one of ${PROMOTION_STATUSES.join(', ')}, got "${opts.status}"`);
      }
      const page = await ctx.client().request<{ items: ApiPromotion[]; next_cursor: string | null }>('GET', 'promotions', {
        query: { workspace_id: opts.workspace, status: opts.status, limit: opts.limit, cursor: opts.cursor },
      });
      if (opts.output === 'json') return ctx.io.out(json(page));
      ctx.io.out(page.items.length ? renderTable(page.items, PROMOTION_COLUMNS) : 'No promotions.\n');
      if (page.next_cursor) ctx.io.err(`More: --cursor ${page.next_cursor}\n`);
    });
  promotions
    .command('get <id>')
    .description('show one promotion')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: OutputFormat }) => {
      printPromotion(ctx, await ctx.client().request<ApiPromotion>('GET', `promotions/${encodeURIComponent(id)}`), opts.output);
    });
  for (const action of ['approve', 'reject'] as const) {
    promotions
      .command(`${action} <id>`)
      .description(action === 'approve' ? 'approve a pending promotion: it is applied and its pipeline goes on' : 'reject a pending promotion: its pipeline step fails')
      .option('--comment <text>', 'why')
      .option('--by <name>', 'who decides (default: the API key)')
      .addOption(outputOption())
      .action(decide(ctx, action));
  }
  program.addCommand(promotions);

  program
    .command('environments <workspace>')
    .description("show which version of each entity is in each of a workspace's environments (--set to change the order)")
    .option('--set <names>', 'set the promotion order, comma-separated, e.g. dev,test,staging,prod')
    .addOption(outputOption())
    .action(async (workspace: string, opts: { set?: string; output: OutputFormat }) => {
      const path = `workspaces/${encodeURIComponent(workspace)}/environments`;
      const view = opts.set
        ? await ctx.client().request<ApiWorkspaceEnvironments>('PUT', path, { json: { environments: opts.set.split(',').map((s) => s.trim()).filter(Boolean) } })
        : await ctx.client().request<ApiWorkspaceEnvironments>('GET', path);
      if (opts.output === 'json') return ctx.io.out(json(view));
      ctx.io.out(`Workspace ${view.workspace_id}: ${view.order.join(' → ')}${view.configured ? '' : ' (default order)'}\n`);
      const rows = view.environments.flatMap((env) =>
        env.entities.map((e) => ({ env: env.position === null ? `${env.name} (not in order)` : env.name, ...e })),
      );
      if (!rows.length) return ctx.io.out('Nothing recorded yet.\n');
      ctx.io.out(
        renderTable(rows, [
          { header: 'ENVIRONMENT', value: (r) => r.env },
          { header: 'ENTITY', value: (r) => `${r.entity_type} ${r.entity_id}` },
          { header: 'VERSION', value: (r) => r.version },
          { header: 'BY', value: (r) => (r.promotion_id ? `promotion ${r.promotion_id}` : 'published') },
          { header: 'UPDATED', value: (r) => r.updated_at },
        ]),
      );
    });
}
