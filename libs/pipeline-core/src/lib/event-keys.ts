import { DIAGNOSTIC_CODES, type PathSegment } from './diagnostics';
import type { EventEnvelope } from './events';
import { eventWorkspaceId } from './filters';
import { TemplateError, sharedRenderer, templateVariables, type TemplateContext, type TemplateRenderer } from './template-renderer';
import { isTemplate } from './validation/checks';

/**
 * Keys rendered from an event before any execution exists: concurrency groups and debounce keys.
 * Their templates see the event and the pipeline, nothing that belongs to a run (no steps, secrets,
 * execution_id or timestamp).
 */
export const EVENT_KEY_ROOTS = ['event', 'envelope', 'workspace_id', 'workspace_name', 'pipeline'] as const;

/** Longest rendered key (group or debounce key). */
export const MAX_EVENT_KEY_LENGTH = 1000;

export interface EventKeyInput {
  event: EventEnvelope;
  /** The pipeline's owner (null: global); `workspace_id` falls back to the event's workspace. */
  ownerWorkspaceId?: string | null;
  pipeline: { id: string; name: string };
}

export type RenderedKey = { ok: true; text: string } | { ok: false; error: string };

export function eventKeyContext(input: EventKeyInput): TemplateContext {
  return {
    event: input.event.payload ?? {},
    envelope: input.event,
    workspace_id: input.ownerWorkspaceId ?? eventWorkspaceId(input.event) ?? null,
    workspace_name: input.event.workspace_name ?? null,
    pipeline: input.pipeline,
  };
}

/**
 * Time and allocations one key may take to render. Keys are rendered by the matcher every tenant
 * shares, once per event and pipeline: a key is a short label, not a place for loops.
 */
export const EVENT_KEY_BUDGET = { ms: 100, memory: 100_000 };

/** Renders a group/key template for one event, within EVENT_KEY_BUDGET; an error says which value and why. */
export function renderEventKey(template: string, input: EventKeyInput, what: string, renderer: TemplateRenderer = sharedRenderer()): RenderedKey {
  let text: string;
  try {
    text = renderer.renderString(template, eventKeyContext(input), what, renderer.createBudget(EVENT_KEY_BUDGET));
  } catch (e) {
    return { ok: false, error: e instanceof TemplateError ? e.message : `${what}: ${String(e)}` };
  }
  if (text.trim() === '') return { ok: false, error: `${what}: "${template}" rendered an empty key for event ${input.event.id}` };
  if (text.length > MAX_EVENT_KEY_LENGTH) return { ok: false, error: `${what}: the rendered key is longer than ${MAX_EVENT_KEY_LENGTH} characters` };
  return { ok: true, text };
}

/** One string from several parts, unambiguous whatever they contain (each is length-prefixed). */
export function scopedKey(parts: readonly string[]): string {
  return parts.map((p) => `${p.length}:${p}`).join('|');
}

export interface KeyTemplateIssue {
  path: PathSegment[];
  code: string;
  message: string;
}

/** Save-time check of a key template: Liquid syntax and only the names an event key can see. */
export function checkKeyTemplate(template: string, path: PathSegment[], what: string): KeyTemplateIssue[] {
  if (!isTemplate(template)) return [];
  let refs: ReturnType<typeof templateVariables>;
  try {
    sharedRenderer().compile(template);
    refs = templateVariables(template);
  } catch (e) {
    const reason = e instanceof TemplateError ? e.message : String(e);
    return [{ path, code: DIAGNOSTIC_CODES.templateSyntax, message: reason.replace(/, line:\d+, col:\d+.*$/s, '') }];
  }
  const issues: KeyTemplateIssue[] = [];
  for (const ref of refs) {
    const root = String(ref.segments[0]);
    if ((EVENT_KEY_ROOTS as readonly string[]).includes(root)) continue;
    issues.push({
      path,
      code: DIAGNOSTIC_CODES.templateNotAllowed,
      message: `"${ref.variable}" cannot be used in ${what}: it is rendered when the event arrives, before any execution exists; available: ${EVENT_KEY_ROOTS.join(', ')}`,
    });
  }
  return issues;
}
