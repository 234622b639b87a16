// The metric contract (docs/metrics.md) as data, and a check that a PromQL expression parses and uses
// only what the contract declares: metric names, each metric's labels, and — where the contract lists
// them — label values. Parsing is Prometheus' own lezer grammar (the one its web UI uses).
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { STEP_TYPES } from '@mockops/pipeline-core';

export interface MetricSpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** label → its allowed values, or null when any value may appear. */
  labels: Map<string, string[] | null>;
}

/** The value sets docs/metrics.md names instead of listing: the step-type registry's types and their queues. */
export const REGISTRY_SETS: Record<string, readonly string[]> = {
  STEP_TYPES,
  STEP_QUEUES: STEP_TYPES.map((t) => `step-${t.replace(/_/g, '-')}`),
};

/** Labels that scraping adds to every series (docs/metrics.md, "Endpoints"). */
export const SCRAPE_LABELS = ['app', 'namespace', 'pod', 'job', 'instance'];
/** Series Prometheus records itself; queries may use them although no app exports them. */
export const PROMETHEUS_SERIES = ['up'];

/**
 * Reads the metrics table of docs/metrics.md: `| \`name\` | type | labels | meaning |`. A value list that
 * is one upper-case name (`(STEP_TYPES)`) stands for a set given in `sets` (the step-type registry's).
 */
export function parseMetricsDoc(markdown: string, sets: Record<string, readonly string[]> = {}): Map<string, MetricSpec> {
  const metrics = new Map<string, MetricSpec>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*(counter|gauge|histogram)\s*\|([^|]*)\|/.exec(line);
    if (!m) continue;
    const labels = new Map<string, string[] | null>();
    for (const part of m[3].split(';').map((p) => p.trim()).filter(Boolean)) {
      const l = /^`([a-z_][a-z0-9_]*)`(?:\s*\(([^)]*)\))?$/.exec(part);
      if (!l) throw new Error(`docs/metrics.md: cannot read the labels of ${m[1]}: "${part}"`);
      const named = l[2] && /^[A-Z_]+$/.test(l[2].trim()) ? l[2].trim() : undefined;
      if (named && !sets[named]) throw new Error(`docs/metrics.md: ${m[1]}: no value set named ${named}`);
      labels.set(l[1], named ? [...sets[named]] : l[2] ? l[2].split(',').map((v) => v.trim()) : null);
    }
    if (metrics.has(m[1])) throw new Error(`docs/metrics.md: ${m[1]} is listed twice`);
    metrics.set(m[1], { name: m[1], type: m[2] as MetricSpec['type'], labels });
  }
  return metrics;
}

/** Grafana's template variables → something PromQL parses: `$__rate_interval` → `5m`, `$var` → `.*`. */
export function fromGrafana(expr: string): string {
  return expr.replace(/\$__\w+/g, '5m').replace(/\$\{?\w+\}?/g, '.*');
}

function stringValue(literal: string): string {
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  return literal.slice(1, -1);
}

/** What a series name resolves to: the metric (a histogram's _bucket/_sum/_count included) and its labels. */
function resolveSeries(name: string, metrics: Map<string, MetricSpec>): Map<string, string[] | null> | undefined {
  const direct = metrics.get(name);
  if (direct && direct.type !== 'histogram') return direct.labels;
  const [, base, suffix] = /^(.*)_(bucket|sum|count)$/.exec(name) ?? [];
  const histogram = base ? metrics.get(base) : undefined;
  if (histogram?.type === 'histogram') {
    const labels = new Map(histogram.labels);
    if (suffix === 'bucket') labels.set('le', null);
    return labels;
  }
  if (PROMETHEUS_SERIES.includes(name)) return new Map();
  return undefined;
}

/** Problems of one expression against the contract (empty when it is fine). */
export function promqlProblems(expr: string, metrics: Map<string, MetricSpec>): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) problems.push(`syntax error at ${n.from}: …${expr.slice(Math.max(0, n.from - 20), n.from + 20)}…`);
    },
  });
  if (problems.length) return problems;

  const used = new Set<string>(SCRAPE_LABELS);
  const groupings: SyntaxNode[] = [];
  tree.iterate({
    enter: (ref) => {
      const n = ref.node;
      if (n.name === 'GroupingLabels') groupings.push(n);
      if (n.name !== 'VectorSelector') return;
      const id = n.getChild('Identifier');
      if (!id) {
        problems.push(`${text(n)}: name the metric (selectors by __name__ are not checked)`);
        return;
      }
      const name = text(id);
      const labels = resolveSeries(name, metrics);
      if (!labels) {
        problems.push(`${name}: not in docs/metrics.md`);
        return;
      }
      for (const l of labels.keys()) used.add(l);
      const matchers = n.getChild('LabelMatchers');
      for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        const [labelNode, opNode, valueNode] = [m.getChild('LabelName'), m.getChild('MatchOp'), m.getChild('StringLiteral')];
        if (!labelNode || !opNode || !valueNode) continue;
        const label = text(labelNode);
        const op = text(opNode);
        const value = stringValue(text(valueNode));
        if (!SCRAPE_LABELS.includes(label) && !labels.has(label)) {
          problems.push(`${name}: no label ${label}`);
          continue;
        }
        const allowed = labels.get(label);
        if (!allowed) continue;
        // Check values that are plain alternatives (a or a|b); other regexes are left alone.
        const values = op === '=' || op === '!=' ? [value] : /^[\w-]+(\|[\w-]+)*$/.test(value) ? value.split('|') : [];
        for (const v of values) if (!allowed.includes(v)) problems.push(`${name}: ${label}="${v}" is not one of ${allowed.join(', ')}`);
      }
    },
  });
  for (const g of groupings) {
    for (const l of g.getChildren('LabelName')) {
      if (!used.has(text(l))) problems.push(`grouping by ${text(l)}: no metric in the expression has that label`);
    }
  }
  return problems;
}
