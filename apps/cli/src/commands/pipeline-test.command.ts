import type { DryRunResult, DryRunStep } from '@mockops/pipeline-core';
import type { CliContext } from '../lib/context';
import { CommandFailed, UsageError } from '../lib/context';
import { readTextFile } from '../lib/files';
import { json } from '../lib/output';
import { formatFileDiagnostic } from './validate.command';

/** One line per fact, indented under its step: what `mockforge pipelines test` prints. */
export function formatDryRun(r: DryRunResult): string {
  const lines: string[] = [];
  const ws = r.event.workspaceId ? `, workspace ${r.event.workspaceId}` : '';
  lines.push(`pipeline ${r.pipeline} · event ${r.event.type} (${r.event.id}${ws})`);
  if (!r.enabled) lines.push('✗ the pipeline is disabled: nothing would start');
  if (r.workspace) lines.push(`${r.workspace.matched ? '✓' : '✗'} ${r.workspace.message}`);
  for (const t of r.triggers) {
    const head = `trigger ${t.index + 1} (${t.event})`;
    if (t.matched) lines.push(`✓ ${head} matches${r.trigger === t.index ? '' : ' (an earlier trigger starts it)'}`);
    else lines.push(`✗ ${head}: ${t.message ?? 'does not match'}`);
    if (t.debounce) {
      lines.push(`    debounce: ${t.debounce.summary}`);
      lines.push(t.debounce.error ? `    debounce key error: ${t.debounce.error}` : t.debounce.key !== undefined ? `    debounce key: ${t.debounce.key}` : '    debounce key: (one burst for the trigger)');
    }
  }
  if (r.concurrency) {
    lines.push(`concurrency: ${r.concurrency.summary}`);
    lines.push(r.concurrency.error ? `    group error: ${r.concurrency.error}` : `    group: ${r.concurrency.group}`);
  }
  lines.push(r.matched ? 'result: an execution would start' : 'result: nothing would start');
  lines.push('', `plan (${r.plan.assumption}):`);
  for (const s of r.plan.steps) lines.push(...formatStep(s));
  return `${lines.join('\n')}\n`;
}

function formatStep(s: DryRunStep): string[] {
  const after = s.needs.length ? ` after ${s.needs.join(', ')}` : ' at the start';
  const outcome =
    s.outcome === 'runs'
      ? 'runs'
      : s.outcome === 'skipped'
        ? `skipped: ${s.skipReason?.message ?? ''}`
        : s.outcome === 'fails'
          ? `fails: ${s.error ?? ''}`
          : 'decided at run time';
  const out = [`  ${s.name} (${s.stepType})${after}: ${outcome}`];
  const c = s.condition;
  if (c.source !== null) {
    const now = c.decidableNow ? `${c.value} now` : `decided at run time on ${c.runtimeInputs.join(', ')}`;
    out.push(`      if: ${c.source} → ${now}`);
  }
  out.push(`      config: ${JSON.stringify(s.config ?? {})}`);
  for (const r of s.renderedAtRunTime) out.push(`      at run time: ${r.path}: ${r.reason}`);
  for (const e of s.renderErrors) out.push(`      ✗ ${e.path}: ${e.error}`);
  for (const sec of s.secrets) out.push(`      secret ${sec.name} (${sec.field})${sec.problem ? `: ✗ ${sec.problem}` : ''}`);
  return out;
}

/**
 * `mockforge pipelines test FILE --event EVENT.json`: the dry run, offline (pipeline-core, no
 * server). Exit 0 when the event would start an execution, 1 when not, 2 when the file or the event
 * is invalid. Secrets are checked only by the server (`POST /pipelines/test`), which knows their names.
 */
export async function testPipelineFile(
  ctx: CliContext,
  file: string,
  opts: { event: string; workspace?: string; pipelineId?: string; output: 'table' | 'json' },
): Promise<void> {
  const { parsePipeline, validateEvent, dryRun, dryRunReport } = await import('@mockops/pipeline-core');
  const parsed = parsePipeline(readTextFile(file, ctx.io));
  if (!parsed.ok) {
    for (const d of parsed.errors) ctx.io.err(`${formatFileDiagnostic(file, d)}\n`);
    throw new UsageError(`${file} is not a valid pipeline (${parsed.errors.length} error${parsed.errors.length > 1 ? 's' : ''})`);
  }
  const eventText = readTextFile(opts.event, ctx.io);
  let raw: unknown;
  try {
    raw = JSON.parse(eventText);
  } catch (e) {
    throw new UsageError(`${opts.event} is not valid JSON: ${(e as Error).message}`);
  }
  const checked = validateEvent(raw, { fallbackId: 'dry-run', now: new Date() });
  if (!checked.ok) {
    for (const err of checked.errors) ctx.io.err(`${opts.event}: ${err}\n`);
    throw new UsageError(`${opts.event} is not a valid event envelope ({"type": ..., "payload": {...}, "workspace_id"?: ...})`);
  }
  const result = dryRun(parsed.document, checked.event, {
    workspaceId: opts.workspace ?? null,
    ...(opts.pipelineId ? { pipelineId: opts.pipelineId } : {}),
    now: new Date(),
  });
  ctx.io.out(opts.output === 'json' ? json(dryRunReport(result)) : formatDryRun(result));
  if (!result.matched) throw new CommandFailed('no trigger matches');
}

/** What POST /pipelines/backtest answers. */
export interface ApiBacktest {
  since: string;
  until: string;
  sources: { stream: number; executions: number; truncated: boolean };
  events: number;
  undated: number;
  matched: number;
  executions: number;
  first_matches: string[];
  days: { date: string; events: number; matched: number; executions: number }[];
  debounce?: { events: number; executions: number; coalesced: number; key_errors: number };
  concurrency?: { groups: number; executions: number; queued: number; cancelled: number; max_waiting: number; key_errors: number; assumed_run_ms: number };
}

export function formatBacktest(r: ApiBacktest): string {
  const lines = [
    `${r.since} → ${r.until}: ${r.matched} of ${r.events} events matched, ${r.executions} execution${r.executions === 1 ? '' : 's'} would have started`,
    `events: ${r.sources.stream} from the stream, ${r.sources.executions} from stored executions${r.sources.truncated ? ' (truncated: more than a backtest reads)' : ''}`,
  ];
  if (r.first_matches.length) lines.push(`first matches: ${r.first_matches.join(', ')}`);
  if (r.debounce) lines.push(`debounce: ${r.debounce.events} events → ${r.debounce.executions} executions (${r.debounce.coalesced} coalesced, ${r.debounce.key_errors} key errors)`);
  if (r.concurrency) {
    const c = r.concurrency;
    lines.push(`concurrency (estimated, runs of ${Math.round(c.assumed_run_ms / 1000)}s): ${c.groups} groups, ${c.queued} queued, ${c.cancelled} cancelled, at most ${c.max_waiting} waiting`);
  }
  if (r.days.length) {
    lines.push('', 'DATE        EVENTS  MATCHED  EXECUTIONS');
    for (const d of r.days) lines.push(`${d.date}  ${String(d.events).padStart(6)}  ${String(d.matched).padStart(7)}  ${String(d.executions).padStart(10)}`);
  }
  return `${lines.join('\n')}\n`;
}
