import type { PathSegment } from './diagnostics';
import { checkKeyTemplate, renderEventKey, scopedKey, type EventKeyInput } from './event-keys';
import type { TemplateRenderer } from './template-renderer';
import type { ConcurrencyDefinition } from './types';
import { Field, bool, str } from './validation/checks';
import { validateSection, type SectionIssue } from './validation/section';

/**
 * `definition.concurrency` (docs/language.md): at most one execution of a group runs at a time; the
 * others wait in event order, or, with `cancel_in_progress`, a newer execution cancels the running
 * one. Groups are shared by the pipelines of one owner (a workspace, or the global pipelines), never
 * across workspaces.
 */
export class ConcurrencyModel {
  @Field(str({ max: 400 }), { required: true })
  group: unknown;

  @Field(bool)
  cancel_in_progress: unknown;
}

/** Parses `concurrency:` (a mapping, or a plain string as shorthand for `{group: ...}`). */
export function validateConcurrency(input: unknown, path: PathSegment[]): { value?: ConcurrencyDefinition; issues: SectionIssue[] } {
  const mapping = typeof input === 'string' ? { group: input } : input;
  const r = validateSection(ConcurrencyModel, mapping, path, 'a mapping {group, cancel_in_progress} or a group name');
  const issues = typeof input === 'string' ? r.issues.map((i) => ({ ...i, path })) : r.issues;
  if (r.invalid.has('*') || r.invalid.has('group') || typeof r.value.group !== 'string') return { issues };
  const groupPath = typeof input === 'string' ? path : [...path, 'group'];
  issues.push(...checkKeyTemplate(r.value.group, groupPath, 'a concurrency group'));
  const value: ConcurrencyDefinition = { group: r.value.group };
  if (r.value.cancel_in_progress !== undefined) value.cancel_in_progress = r.value.cancel_in_progress as boolean;
  return { value, issues };
}

export type ConcurrencyKey = { ok: true; group: string; key: string } | { ok: false; error: string };

/**
 * The group an event's execution joins: the rendered `group` (`key` adds the owner, so equal names
 * in two workspaces never meet). A render error (an undefined variable...) comes back as `error`.
 */
export function concurrencyGroupKey(concurrency: ConcurrencyDefinition, input: EventKeyInput, renderer?: TemplateRenderer): ConcurrencyKey {
  const rendered = renderEventKey(concurrency.group, input, 'concurrency.group', renderer);
  if (!rendered.ok) return rendered;
  const owner = input.ownerWorkspaceId ? `workspace:${input.ownerWorkspaceId}` : 'global';
  return { ok: true, group: rendered.text, key: scopedKey(['concurrency', owner, rendered.text]) };
}

/** An execution in a group, with the order of its event (compared element by element). */
export interface ConcurrencyRun {
  executionId: string;
  /** `[ms, seq]` of its stream entry id (`eventOrderFromStreamId`), or `[event time ms]`. */
  order: readonly number[];
}

export interface ConcurrencyGroupState {
  /** The execution running in the group; `cancelling` once a newer one asked it to stop. */
  holder: (ConcurrencyRun & { cancelling?: boolean }) | null;
  /** Waiting executions, in event order. */
  queue: ConcurrencyRun[];
}

export interface ConcurrencyDecision {
  state: ConcurrencyGroupState;
  /** What happened to the run being admitted (absent for a release). */
  run?: 'start' | 'wait' | 'cancel';
  /** Executions to start now. */
  start: string[];
  /** Executions to cancel, with the reason to record. */
  cancel: { executionId: string; reason: string }[];
}

export interface AdmitOptions {
  cancelInProgress?: boolean;
  /** Waiting executions a group may hold; a run beyond it is cancelled. Default 1000. */
  maxQueued?: number;
}

export const DEFAULT_MAX_QUEUED = 1000;

/** `1700000000000-3` → `[1700000000000, 3]`; null when it is not a stream entry id. */
export function eventOrderFromStreamId(id: string): number[] | null {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

const empty = (): ConcurrencyGroupState => ({ holder: null, queue: [] });

/**
 * A new execution arrives at its group (pure: the runtime keeps the state, e.g. in Postgres).
 * - The group is free: it starts.
 * - Otherwise it waits, in event order (a late event is placed before newer waiting ones); the
 *   running execution is never interrupted.
 * - With `cancelInProgress`, the newest event wins: the running execution is asked to stop, and the
 *   waiting one (there is at most one) is cancelled; the new run starts when the group is released.
 *   A run whose event is older than the holder's or the waiting one's is cancelled itself — a late
 *   event never cancels the work of a newer one.
 */
export function admitToGroup(state: ConcurrencyGroupState | null, run: ConcurrencyRun, opts: AdmitOptions = {}): ConcurrencyDecision {
  const current = state ?? empty();
  const holder = current.holder;
  if (!holder && current.queue.length === 0) return { state: { holder: { ...run }, queue: [] }, run: 'start', start: [run.executionId], cancel: [] };

  if (opts.cancelInProgress) {
    const newest = [holder, ...current.queue].filter((r): r is ConcurrencyRun => r !== null).reduce((a, b) => (compareOrder(a.order, b.order) >= 0 ? a : b));
    if (compareOrder(run.order, newest.order) < 0) {
      return { state: current, run: 'cancel', start: [], cancel: [{ executionId: run.executionId, reason: `superseded: execution ${newest.executionId} has a newer event in this concurrency group` }] };
    }
    const cancel = current.queue.map((q) => ({ executionId: q.executionId, reason: `superseded by execution ${run.executionId} (cancel_in_progress)` }));
    if (!holder) return { state: { holder: { ...run }, queue: [] }, run: 'start', start: [run.executionId], cancel };
    if (!holder.cancelling) cancel.unshift({ executionId: holder.executionId, reason: `cancelled by execution ${run.executionId} in the same concurrency group (cancel_in_progress)` });
    return { state: { holder: { ...holder, cancelling: true }, queue: [run] }, run: 'wait', start: [], cancel };
  }

  const max = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (current.queue.length >= max) {
    return { state: current, run: 'cancel', start: [], cancel: [{ executionId: run.executionId, reason: `the concurrency group already has ${max} executions waiting` }] };
  }
  const queue = [...current.queue];
  let at = queue.findIndex((q) => compareOrder(q.order, run.order) > 0);
  if (at < 0) at = queue.length;
  queue.splice(at, 0, run);
  if (holder) return { state: { holder, queue }, run: 'wait', start: [], cancel: [] };
  const [next, ...waiting] = queue;
  return { state: { holder: next, queue: waiting }, run: next.executionId === run.executionId ? 'start' : 'wait', start: [next.executionId], cancel: [] };
}

/**
 * An execution of the group finished or was cancelled: the holder's release starts the first
 * waiting execution; a waiting one is simply removed. Unknown ids change nothing.
 */
export function releaseGroup(state: ConcurrencyGroupState | null, executionId: string): ConcurrencyDecision {
  const current = state ?? empty();
  if (current.holder?.executionId === executionId) {
    const [next, ...rest] = current.queue;
    return next ? { state: { holder: next, queue: rest }, start: [next.executionId], cancel: [] } : { state: empty(), start: [], cancel: [] };
  }
  const queue = current.queue.filter((q) => q.executionId !== executionId);
  return { state: { holder: current.holder, queue }, start: [], cancel: [] };
}
