import type { PipelineDefinition, StepDefinition } from './types';

/**
 * Steps form a graph through `needs:` (docs/language.md). A step without `needs` needs the step
 * before it, so a pipeline that never says `needs` runs its steps in order, as it always did;
 * `needs: []` starts a step with the execution.
 */
export interface StepNode {
  name: string;
  index: number;
  /** Direct dependencies, in the order written. */
  needs: string[];
  continueOnError: boolean;
}

export interface StepDag {
  /** In definition order. */
  nodes: StepNode[];
  byName: ReadonlyMap<string, StepNode>;
  /** Dependencies before dependents; ties in definition order. */
  order: StepNode[];
  /** Every step reachable through `needs` (transitively). Empty for an unknown name. */
  ancestorsOf(name: string): ReadonlySet<string>;
  /** Whether `ancestor` is reachable from `of` through `needs`. */
  isAncestor(ancestor: string, of: string): boolean;
}

type StepLike = Pick<StepDefinition, 'name' | 'needs' | 'continue_on_error'>;

/** What a step needs: its `needs`, or the previous step when it has none. Unknown names are dropped. */
function directNeeds(steps: readonly StepLike[], index: number, names: ReadonlySet<string>): string[] {
  const step = steps[index];
  if (Array.isArray(step.needs)) return [...new Set(step.needs.filter((n) => names.has(n) && n !== step.name))];
  return index === 0 ? [] : [steps[index - 1].name];
}

const cache = new WeakMap<readonly StepLike[], StepDag>();

/**
 * The graph of a definition's steps (cached per steps list: definitions are immutable once parsed).
 * It tolerates an unvalidated definition: unknown names are ignored and steps on a cycle come last,
 * never becoming ready; `dagIssues` reports both.
 */
export function stepDag(definition: { steps: readonly StepLike[] }): StepDag {
  const steps = definition.steps;
  const hit = cache.get(steps);
  if (hit) return hit;
  const names = new Set(steps.map((s) => s.name));
  const nodes: StepNode[] = steps.map((step, index) => ({
    name: step.name,
    index,
    needs: directNeeds(steps, index, names),
    continueOnError: step.continue_on_error === true,
  }));
  const byName = new Map(nodes.map((n) => [n.name, n]));

  // Kahn's algorithm, always taking the ready step that comes first in the definition.
  const dependents = nodes.map(() => [] as number[]);
  const pending = nodes.map((n) => n.needs.length);
  for (const n of nodes) {
    for (const d of n.needs) {
      const dep = byName.get(d);
      if (dep) dependents[dep.index].push(n.index);
    }
  }
  const ready = nodes.filter((n) => n.needs.length === 0).map((n) => n.index);
  const order: StepNode[] = [];
  const placed = new Set<number>();
  for (let i = ready.shift(); i !== undefined; i = ready.shift()) {
    order.push(nodes[i]);
    placed.add(i);
    for (const j of dependents[i]) {
      if (--pending[j] > 0) continue;
      // Keep `ready` sorted by definition index (it stays short: the width of the graph).
      let at = ready.findIndex((k) => k > j);
      if (at < 0) at = ready.length;
      ready.splice(at, 0, j);
    }
  }
  for (const n of nodes) if (!placed.has(n.index)) order.push(n);

  // Ancestors are found by a walk when asked, never stored for every step: on a long chain that
  // would be quadratic in memory (a 256 KiB document holds thousands of steps).
  const walk = (name: string, stop?: string): Set<string> | true => {
    const seen = new Set<string>();
    const stack = [...(byName.get(name)?.needs ?? [])];
    for (let dep = stack.pop(); dep !== undefined; dep = stack.pop()) {
      if (seen.has(dep)) continue;
      if (dep === stop) return true;
      seen.add(dep);
      stack.push(...(byName.get(dep)?.needs ?? []));
    }
    return seen;
  };
  const ancestorsOf = (name: string) => walk(name) as Set<string>;
  const isAncestor = (ancestor: string, of: string) => walk(of, ancestor) === true;

  const dag: StepDag = { nodes, byName, order, ancestorsOf, isAncestor };
  cache.set(steps, dag);
  return dag;
}

/** Kept for callers of the first planner: the nodes in definition order. */
export function buildStepGraph(definition: Pick<PipelineDefinition, 'steps'>): StepNode[] {
  return stepDag(definition).nodes;
}

export type DagIssueCode = 'UNKNOWN_NEED' | 'SELF_NEED' | 'DUPLICATE_NEED' | 'NEEDS_CYCLE';

export interface DagIssue {
  code: DagIssueCode;
  /** The step whose `needs` entry is at fault. */
  step: number;
  /** The entry's index in that step's `needs` list. */
  need: number;
  message: string;
}

/**
 * Save-time problems of the `needs` graph, each at the entry at fault: a name that is not a step,
 * a step needing itself, a name listed twice, and cycles (reported once each, at the entry of the
 * cycle that points forward — an implicit "previous step" edge never does).
 */
export function dagIssues(steps: readonly Pick<StepDefinition, 'name' | 'needs'>[]): DagIssue[] {
  const issues: DagIssue[] = [];
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!index.has(s.name)) index.set(s.name, i);
  });
  const edges: { from: number; to: number; need: number }[] = [];
  steps.forEach((step, i) => {
    if (!Array.isArray(step.needs)) {
      if (i > 0) edges.push({ from: i, to: i - 1, need: -1 });
      return;
    }
    const seen = new Set<string>();
    step.needs.forEach((name, j) => {
      const target = index.get(name);
      if (seen.has(name)) issues.push({ code: 'DUPLICATE_NEED', step: i, need: j, message: `"${name}" is listed twice` });
      else if (name === step.name) issues.push({ code: 'SELF_NEED', step: i, need: j, message: `step "${name}" cannot need itself` });
      else if (target === undefined) issues.push({ code: 'UNKNOWN_NEED', step: i, need: j, message: `there is no step named "${name}"${closest(name, [...index.keys()])}` });
      else edges.push({ from: i, to: target, need: j });
      seen.add(name);
    });
  });

  // Strongly connected components (Tarjan): every component with more than one step is a cycle.
  const out = steps.map(() => [] as number[]);
  for (const e of edges) out[e.from].push(e.to);
  const comp = tarjan(out);
  const reported = new Set<number>();
  for (const e of edges) {
    if (e.need < 0 || e.to < e.from || comp[e.to] !== comp[e.from] || reported.has(comp[e.from])) continue;
    reported.add(comp[e.from]);
    const path = pathBetween(out, comp, e.to, e.from);
    const names = [steps[e.from].name, ...path.map((p) => steps[p].name)];
    issues.push({
      code: 'NEEDS_CYCLE',
      step: e.from,
      need: e.need,
      message: `needs form a cycle: ${names.map((n) => `"${n}"`).join(' needs ')}; no step of it could ever start`,
    });
  }
  return issues.sort((a, b) => a.step - b.step || a.need - b.need);
}

function tarjan(out: number[][]): number[] {
  const n = out.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  const onStack = new Array<boolean>(n).fill(false);
  let counter = 0;
  let comps = 0;
  const strong = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of out[v]) {
      if (index[w] < 0) {
        strong(w);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
    }
    if (low[v] === index[v]) {
      let w: number;
      do {
        w = stack.pop() ?? v;
        onStack[w] = false;
        comp[w] = comps;
      } while (w !== v);
      comps++;
    }
  };
  for (let v = 0; v < n; v++) if (index[v] < 0) strong(v);
  return comp;
}

/** Shortest path from `from` to `to` inside one component (both included, `from` first). */
function pathBetween(out: number[][], comp: number[], from: number, to: number): number[] {
  const prev = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    if (v === to) break;
    for (const w of out[v]) {
      if (comp[w] !== comp[from] || prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  const path: number[] = [];
  for (let v: number | undefined = to; v !== undefined && v !== -1; v = prev.get(v)) path.unshift(v);
  return path;
}

function closest(name: string, names: string[]): string {
  const near = names.find((n) => typeof n === 'string' && (n.toLowerCase() === name.toLowerCase() || n.replace(/[-_]/g, '') === name.replace(/[-_]/g, '')));
  return near ? `; did you mean "${near}"?` : '';
}
