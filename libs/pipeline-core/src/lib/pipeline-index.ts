import type { EventEnvelope } from './events';
import { compileFilters, eventWorkspaceId, matchFilters, type CompiledFilter } from './filters';
import type { PipelineDocument } from './types';

/** An enabled pipeline revision as the matcher holds it. */
export interface IndexedPipeline {
  id: string;
  name: string;
  /** Owning workspace; an owned pipeline only sees events of that workspace. Null: sees all. */
  workspaceId: string | null;
  revisionId: string;
  document: PipelineDocument;
}

interface Entry {
  pipeline: IndexedPipeline;
  /** One filter list per trigger of this bucket's event type: any trigger matching is a match. */
  triggers: CompiledFilter[][];
  /** Each of those triggers' index in the definition's `triggers`. */
  triggerIndexes: number[];
}

interface Bucket {
  entries: Map<string, Entry>;
  /** Iteration snapshot, rebuilt lazily after a change (arrays iterate faster than maps). */
  list: Entry[] | null;
}

const GLOBAL = '';

/**
 * Enabled pipelines indexed by (event type, owning workspace), filters compiled at upsert. Matching
 * an event looks only at pipelines listening to its type that are global or owned by its workspace,
 * so its cost does not grow with pipelines listening to other types or other workspaces.
 */
export class PipelineIndex {
  private readonly buckets = new Map<string, Map<string, Bucket>>();
  private readonly placed = new Map<string, { pipeline: IndexedPipeline; keys: [type: string, ws: string][] }>();

  get size(): number {
    return this.placed.size;
  }

  ids(): string[] {
    return [...this.placed.keys()];
  }

  get(id: string): IndexedPipeline | undefined {
    return this.placed.get(id)?.pipeline;
  }

  /** Adds or replaces a pipeline; a disabled one is removed (it matches nothing). */
  upsert(pipeline: IndexedPipeline): void {
    this.remove(pipeline.id);
    const definition = pipeline.document.definition;
    if (definition.enabled === false) return;
    const ws = pipeline.workspaceId ?? GLOBAL;
    const byType = new Map<string, CompiledFilter[][]>();
    const indexesByType = new Map<string, number[]>();
    definition.triggers.forEach((trigger, index) => {
      const list = byType.get(trigger.event) ?? [];
      list.push(compileFilters(trigger.filters));
      byType.set(trigger.event, list);
      indexesByType.set(trigger.event, [...(indexesByType.get(trigger.event) ?? []), index]);
    });
    const keys: [string, string][] = [];
    for (const [type, triggers] of byType) {
      const triggerIndexes = indexesByType.get(type) ?? [];
      let perWs = this.buckets.get(type);
      if (!perWs) this.buckets.set(type, (perWs = new Map()));
      let bucket = perWs.get(ws);
      if (!bucket) perWs.set(ws, (bucket = { entries: new Map(), list: null }));
      bucket.entries.set(pipeline.id, { pipeline, triggers, triggerIndexes });
      bucket.list = null;
      keys.push([type, ws]);
    }
    this.placed.set(pipeline.id, { pipeline, keys });
  }

  remove(id: string): boolean {
    const placed = this.placed.get(id);
    if (!placed) return false;
    for (const [type, ws] of placed.keys) {
      const perWs = this.buckets.get(type);
      const bucket = perWs?.get(ws);
      if (!perWs || !bucket) continue;
      bucket.entries.delete(id);
      bucket.list = null;
      if (bucket.entries.size === 0) perWs.delete(ws);
      if (perWs.size === 0) this.buckets.delete(type);
    }
    this.placed.delete(id);
    return true;
  }

  clear(): void {
    this.buckets.clear();
    this.placed.clear();
  }

  /** The pipelines an event starts, each at most once however many of its triggers match. */
  match(event: EventEnvelope): IndexedPipeline[] {
    return this.matchTriggers(event).map((m) => m.pipeline);
  }

  /**
   * As match(), with the first trigger (in document order) that matched: its `debounce:` decides
   * whether the event starts an execution now or joins a burst.
   */
  matchTriggers(event: EventEnvelope): { pipeline: IndexedPipeline; triggerIndex: number }[] {
    const perWs = this.buckets.get(event.type);
    if (!perWs) return [];
    const out: { pipeline: IndexedPipeline; triggerIndex: number }[] = [];
    this.collect(perWs.get(GLOBAL), event, out);
    const ws = eventWorkspaceId(event);
    if (ws !== undefined) this.collect(perWs.get(ws), event, out);
    return out;
  }

  private collect(bucket: Bucket | undefined, event: EventEnvelope, out: { pipeline: IndexedPipeline; triggerIndex: number }[]): void {
    if (!bucket) return;
    const list = (bucket.list ??= [...bucket.entries.values()]);
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      for (let t = 0; t < entry.triggers.length; t++) {
        if (matchFilters(entry.triggers[t], event)) {
          out.push({ pipeline: entry.pipeline, triggerIndex: entry.triggerIndexes[t] });
          break;
        }
      }
    }
  }
}
