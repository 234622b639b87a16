import { Command, Option } from 'commander';
import type { CliContext } from '../lib/context';
import { CommandFailed, UsageError } from '../lib/context';
import { formatOfFile, readTextFile } from '../lib/files';
import { formatDuration, json, renderFields, renderTable } from '../lib/output';
import type { ApiDiagnostic, ApiExecution, ApiPage, ApiPipeline, ApiRevision, ApiStepRun } from '../lib/resources';
import { TERMINAL_STATUSES } from '../lib/resources';
import { validateFile } from './validate.command';
import { formatBacktest, testPipelineFile, type ApiBacktest } from './pipeline-test.command';

type OutputFormat = 'table' | 'json';

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function pathId(id: string): string {
  return encodeURIComponent(id);
}

function describeDiagnostic(d: ApiDiagnostic): string {
  const where = d.line !== undefined ? `line ${d.line} col ${d.column ?? 1}: ` : '';
  return `${d.path ? `${d.path}: ` : ''}${where}${d.message}`;
}

function printWarnings(ctx: CliContext, warnings: ApiDiagnostic[] | undefined) {
  for (const w of warnings ?? []) ctx.io.err(`warning: ${describeDiagnostic(w)}\n`);
}

/** Sends a pipeline file as written: YAML as application/yaml (positions in errors), JSON as JSON. */
function fileBody(ctx: CliContext, file: string) {
  const text = readTextFile(file, ctx.io);
  if (formatOfFile(file) === 'yaml') return { text: { body: text, contentType: 'application/yaml' } };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (e) {
    ctx.io.err(`Error: ${file} is not valid JSON: ${(e as Error).message}\n`);
    throw new CommandFailed();
  }
}

function pipelineFields(p: ApiPipeline): [string, unknown][] {
  const triggers = (p.definition?.triggers as { event?: string }[] | undefined) ?? [];
  const steps = (p.definition?.steps as { name?: string; step_type?: string }[] | undefined) ?? [];
  return [
    ['ID', p.id],
    ['Name', p.name],
    ['Workspace', p.workspace_id],
    ['Enabled', p.enabled ? 'yes' : 'no'],
    ['Revision', p.revision],
    ['Triggers', triggers.map((t) => t.event).join(', ')],
    ['Steps', steps.map((s) => `${s.name} (${s.step_type})`).join(', ')],
    ['Created', p.created_at],
    ['Updated', p.updated_at],
  ];
}

function printPipeline(ctx: CliContext, p: ApiPipeline, output: OutputFormat) {
  if (output === 'json') ctx.io.out(json(p));
  else ctx.io.out(renderFields(pipelineFields(p)));
}

const EXECUTION_COLUMNS = [
  { header: 'ID', value: (e: ApiExecution) => e.id },
  { header: 'STATUS', value: (e: ApiExecution) => e.status },
  { header: 'EVENT', value: (e: ApiExecution) => `${e.event_type} ${e.event_id}` },
  { header: 'QUEUED', value: (e: ApiExecution) => e.queued_at },
  { header: 'DURATION', value: (e: ApiExecution) => formatDuration(e.duration_ms), right: true },
  { header: 'ERROR', value: (e: ApiExecution) => e.error },
];

const STEP_COLUMNS = [
  { header: 'STEP', value: (s: ApiStepRun) => s.name },
  { header: 'TYPE', value: (s: ApiStepRun) => s.step_type },
  { header: 'STATUS', value: (s: ApiStepRun) => (s.reused_from_attempt ? `${s.status} (kept from run ${s.reused_from_attempt})` : s.status) },
  { header: 'ATTEMPTS', value: (s: ApiStepRun) => `${s.attempts}/${s.max_attempts}`, right: true },
  { header: 'DURATION', value: (s: ApiStepRun) => formatDuration(s.duration_ms), right: true },
  { header: 'ERROR', value: (s: ApiStepRun) => s.error ?? (s.status === 'skipped' && s.skip_reason ? `skipped: ${s.skip_reason.message}` : null) },
];

export function renderExecution(e: ApiExecution): string {
  const head = renderFields([
    ['Execution', e.id],
    ['Pipeline', e.pipeline_id],
    ['Status', e.status],
    ...(e.run_attempt && e.run_attempt > 1 ? ([['Run attempt', e.run_attempt]] as [string, unknown][]) : []),
    ['Event', `${e.event_type} (${e.event_id})`],
    ['Workspace', e.workspace_id],
    ['Queued', e.queued_at],
    ['Started', e.started_at],
    ['Finished', e.finished_at],
    ['Duration', formatDuration(e.duration_ms)],
    ['Trace', e.trace_id],
    ...(e.error ? ([['Error', e.error]] as [string, unknown][]) : []),
  ]);
  return `${head}\n${renderTable(e.steps ?? [], STEP_COLUMNS)}`;
}

async function listExecutions(
  ctx: CliContext,
  pipelineId: string,
  opts: { status?: string; limit?: number; cursor?: string; output: OutputFormat },
) {
  const page = await ctx.client().request<ApiPage<ApiExecution>>('GET', `pipelines/${pathId(pipelineId)}/executions`, {
    query: { status: opts.status, limit: opts.limit, cursor: opts.cursor },
  });
  if (opts.output === 'json') return ctx.io.out(json(page));
  if (!page.items.length) ctx.io.err('No executions.\n');
  else ctx.io.out(renderTable(page.items, EXECUTION_COLUMNS));
  if (page.next_cursor) ctx.io.err(`More: --cursor ${page.next_cursor}\n`);
}

/** Progress lines (stderr) for each step whose status or attempt changed since the last poll. */
function stepChanges(previous: Map<string, string>, e: ApiExecution): string[] {
  const lines: string[] = [];
  for (const s of e.steps ?? []) {
    const key = `${s.status}#${s.attempts}`;
    if (previous.get(s.name) === key) continue;
    previous.set(s.name, key);
    if (s.status === 'pending' && s.attempts === 0) continue;
    const attempt = s.attempts > 1 || s.status === 'running' ? ` (attempt ${s.attempts}/${s.max_attempts})` : '';
    const extra = s.status === 'failed' && s.error ? `: ${s.error}` : s.status === 'skipped' && s.skip_reason ? ` (${s.skip_reason.message})` : s.duration_ms != null && s.status === 'succeeded' ? ` in ${formatDuration(s.duration_ms)}` : '';
    lines.push(`${s.name}: ${s.status}${attempt}${extra}`);
  }
  return lines;
}

async function showExecution(
  ctx: CliContext,
  executionId: string,
  opts: { wait?: boolean; interval: number; output: OutputFormat },
): Promise<void> {
  const fetchOne = () => ctx.client().request<ApiExecution>('GET', `executions/${pathId(executionId)}`);
  let execution = await fetchOne();
  if (opts.wait) {
    const seen = new Map<string, string>();
    let status = '';
    for (;;) {
      if (execution.status !== status) {
        status = execution.status;
        ctx.io.err(`${new Date().toISOString()} execution ${execution.id}: ${status}\n`);
      }
      for (const line of stepChanges(seen, execution)) ctx.io.err(`${new Date().toISOString()}   ${line}\n`);
      if (TERMINAL_STATUSES.includes(execution.status)) break;
      await ctx.sleep(opts.interval);
      execution = await fetchOne();
    }
  }
  if (opts.output === 'json') ctx.io.out(json(execution));
  else ctx.io.out(renderExecution(execution));
  if (opts.wait && execution.status !== 'succeeded') throw new CommandFailed(`execution ${execution.status}`);
}

/** Commands shared by `pipelines executions|execution` and the spec's short `executions|execution`. */
export function addExecutionCommands(parent: Command, ctx: CliContext): void {
  parent
    .command('executions')
    .description("list a pipeline's executions, newest first")
    .argument('<pipeline-id>')
    .option('--status <status>', 'only executions in this status (queued, running, waiting, succeeded, failed, cancelled)')
    .option('--limit <n>', 'how many (1-100)', positiveInt('--limit'))
    .option('--cursor <cursor>', 'continue a previous listing')
    .addOption(outputOption())
    .action((pipelineId: string, opts) => listExecutions(ctx, pipelineId, opts));

  parent
    .command('execution')
    .description('show an execution and its steps')
    .argument('<execution-id>')
    .option('--wait', 'follow a running execution until it ends (exit code 1 unless it succeeds)')
    .option('--interval <ms>', 'polling interval for --wait', positiveInt('--interval'), 1000)
    .addOption(outputOption())
    .action((executionId: string, opts) => showExecution(ctx, executionId, opts));
}

export function pipelinesCommand(ctx: CliContext): Command {
  const cmd = new Command('pipelines').description('manage pipelines and inspect their executions');

  cmd
    .command('create')
    .description('create a pipeline from a YAML (or JSON) file')
    .argument('<file>', 'pipeline file; "-" reads standard input')
    .option('--workspace <id>', 'workspace that owns the pipeline')
    .addOption(outputOption())
    .action(async (file: string, opts: { workspace?: string; output: OutputFormat }) => {
      const p = await ctx.client().request<ApiPipeline>('POST', 'pipelines', {
        ...fileBody(ctx, file),
        query: { workspace_id: opts.workspace },
      });
      printWarnings(ctx, p.warnings);
      if (opts.output === 'json') return ctx.io.out(json(p));
      ctx.io.out(`Created pipeline ${p.name} (${p.id}), revision ${p.revision}${p.enabled ? '' : ', disabled'}\n`);
    });

  cmd
    .command('update')
    .description('replace a pipeline definition (new revision; running executions keep theirs)')
    .argument('<id>')
    .argument('<file>')
    .addOption(outputOption())
    .action(async (id: string, file: string, opts: { output: OutputFormat }) => {
      const p = await ctx.client().request<ApiPipeline>('PUT', `pipelines/${pathId(id)}`, fileBody(ctx, file));
      printWarnings(ctx, p.warnings);
      if (opts.output === 'json') return ctx.io.out(json(p));
      ctx.io.out(`Updated pipeline ${p.name} (${p.id}), now revision ${p.revision}\n`);
    });

  cmd
    .command('list')
    .description('list pipelines')
    .option('--workspace <id>', 'only pipelines of this workspace')
    .option('--enabled', 'only enabled pipelines')
    .option('--disabled', 'only disabled pipelines')
    .option('--limit <n>', 'how many (1-100)', positiveInt('--limit'))
    .option('--cursor <cursor>', 'continue a previous listing')
    .addOption(outputOption())
    .action(async (opts: { workspace?: string; enabled?: boolean; disabled?: boolean; limit?: number; cursor?: string; output: OutputFormat }) => {
      if (opts.enabled && opts.disabled) throw new UsageError('--enabled and --disabled exclude each other');
      const page = await ctx.client().request<ApiPage<ApiPipeline>>('GET', 'pipelines', {
        query: {
          workspace_id: opts.workspace,
          enabled: opts.enabled ? true : opts.disabled ? false : undefined,
          limit: opts.limit,
          cursor: opts.cursor,
        },
      });
      if (opts.output === 'json') return ctx.io.out(json(page));
      if (!page.items.length) ctx.io.err('No pipelines.\n');
      else
        ctx.io.out(
          renderTable(page.items, [
            { header: 'ID', value: (p) => p.id },
            { header: 'NAME', value: (p) => p.name },
            { header: 'WORKSPACE', value: (p) => p.workspace_id },
            { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
            { header: 'REVISION', value: (p) => p.revision, right: true },
            { header: 'UPDATED', value: (p) => p.updated_at },
          ]),
        );
      if (page.next_cursor) ctx.io.err(`More: --cursor ${page.next_cursor}\n`);
    });

  cmd
    .command('get')
    .description('show a pipeline')
    .argument('<id>')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: OutputFormat }) => {
      printPipeline(ctx, await ctx.client().request<ApiPipeline>('GET', `pipelines/${pathId(id)}`), opts.output);
    });

  for (const action of ['enable', 'disable'] as const) {
    cmd
      .command(action)
      .description(`${action} a pipeline`)
      .argument('<id>')
      .addOption(outputOption())
      .action(async (id: string, opts: { output: OutputFormat }) => {
        const p = await ctx.client().request<ApiPipeline>('POST', `pipelines/${pathId(id)}/${action}`);
        if (opts.output === 'json') return ctx.io.out(json(p));
        ctx.io.out(`Pipeline ${p.name} (${p.id}) ${action}d\n`);
      });
  }

  cmd
    .command('delete')
    .description('delete a pipeline (its executions stay readable)')
    .argument('<id>')
    .action(async (id: string) => {
      await ctx.client().request('DELETE', `pipelines/${pathId(id)}`);
      ctx.io.out(`Pipeline ${id} deleted\n`);
    });

  cmd
    .command('revisions')
    .description("list a pipeline's revisions")
    .argument('<id>')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: OutputFormat }) => {
      const page = await ctx.client().request<ApiPage<ApiRevision>>('GET', `pipelines/${pathId(id)}/revisions`);
      if (opts.output === 'json') return ctx.io.out(json(page));
      ctx.io.out(
        renderTable(page.items, [
          { header: 'REVISION', value: (r) => r.revision, right: true },
          { header: 'ID', value: (r) => r.id },
          { header: 'FORMAT', value: (r) => r.source_format },
          { header: 'CREATED', value: (r) => r.created_at },
        ]),
      );
    });

  cmd
    .command('stats')
    .description("a pipeline's execution statistics")
    .argument('<id>')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: OutputFormat }) => {
      const s = await ctx.client().request<Record<string, any>>('GET', `pipelines/${pathId(id)}/stats`);
      if (opts.output === 'json') return ctx.io.out(json(s));
      const counts = Object.entries((s.counts ?? {}) as Record<string, number>)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      ctx.io.out(
        renderFields([
          ['Executions', s.total],
          ['By status', counts],
          ['Success rate', s.success_rate == null ? null : `${(s.success_rate * 100).toFixed(1)}%`],
          ['p50 duration', formatDuration(s.p50_ms)],
          ['p95 duration', formatDuration(s.p95_ms)],
          ['Last run', s.last_run_at],
        ]),
      );
    });

  addExecutionCommands(cmd, ctx);

  cmd
    .command('cancel')
    .description('cancel a queued or running execution')
    .argument('<execution-id>')
    .addOption(outputOption())
    .action(async (executionId: string, opts: { output: OutputFormat }) => {
      const e = await ctx.client().request<ApiExecution>('POST', `executions/${pathId(executionId)}/cancel`);
      if (opts.output === 'json') return ctx.io.out(json(e));
      ctx.io.out(`Execution ${e.id} ${e.status}\n`);
    });

  cmd
    .command('rerun')
    .description('run a finished execution again (same revision and event, a new run attempt)')
    .argument('<execution-id>')
    .option('--from-failed', 'keep the steps that succeeded (and their outputs); run only the failed, skipped and cancelled ones again')
    .addOption(outputOption())
    .action(async (executionId: string, opts: { fromFailed?: boolean; output: OutputFormat }) => {
      const e = await ctx.client().request<ApiExecution>('POST', `executions/${pathId(executionId)}/rerun`, { query: { from: opts.fromFailed ? 'failed' : undefined } });
      if (opts.output === 'json') return ctx.io.out(json(e));
      ctx.io.out(`Execution ${e.id} ${e.status} (run attempt ${e.run_attempt ?? '?'})\n`);
      for (const r of e.lineage?.reused ?? []) ctx.io.out(`  ${r.step}: kept from run attempt ${r.from_attempt}\n`);
    });

  cmd
    .command('validate')
    .description('check a pipeline file offline (no server needed)')
    .argument('<file>')
    .addOption(outputOption())
    .action((file: string, opts: { output: OutputFormat }) => validateFile(ctx, file, opts.output));

  cmd
    .command('backtest')
    .description("how the pipeline would have matched the recent events (the stream's and stored executions'), without running anything")
    .argument('<file>', 'pipeline file (YAML or JSON); "-" reads standard input')
    .option('--since <when>', 'a duration before now (7d, 24h, 90m; at most 90d) or an ISO date-time', '7d')
    .option('--workspace <id>', "the pipeline's owner workspace (it sees only that workspace's events)")
    .addOption(outputOption())
    .action(async (file: string, opts: { since: string; workspace?: string; output: OutputFormat }) => {
      const text = readTextFile(file, ctx.io);
      const pipeline = formatOfFile(file) === 'json' ? (JSON.parse(text) as unknown) : text;
      const r = await ctx.client().request<ApiBacktest>('POST', 'pipelines/backtest', {
        json: { pipeline, since: opts.since, ...(opts.workspace ? { workspace_id: opts.workspace } : {}) },
      });
      ctx.io.out(opts.output === 'json' ? json(r) : formatBacktest(r));
    });

  cmd
    .command('test')
    .description('dry run, offline: would this event start the pipeline (which filter fails), and what would each step do (exit 0: it matches, 1: it does not, 2: invalid input)')
    .argument('<file>', 'pipeline file (YAML or JSON)')
    .requiredOption('--event <file>', 'the event envelope as JSON: {"type", "payload", "workspace_id"?, "id"?, ...}')
    .option('--workspace <id>', "the pipeline's owner workspace (default: a global pipeline)")
    .option('--pipeline-id <id>', 'the saved pipeline id, for {{pipeline.id}} in templates and keys')
    .addOption(outputOption())
    .action((file: string, opts: { event: string; workspace?: string; pipelineId?: string; output: OutputFormat }) => testPipelineFile(ctx, file, opts));

  return cmd;
}
