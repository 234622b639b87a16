// The instrumentation (libs/telemetry) exports exactly docs/metrics.md's table: every documented metric
// with its type and labels, the closed label sets' values, and no mockops_* metric the table lacks.
// The dashboards, alerts and autoscalers are checked against the same table (manifests.spec.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTION_STATUSES } from '@mockops/pipeline-core';
import { QUEUE_STATES, collectNodeMetrics, registry, sharedStateGauges, stepQueueName } from '@mockops/telemetry';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { REGISTRY_SETS, parseMetricsDoc } from './promql';

const doc = parseMetricsDoc(readFileSync(join(__dirname, '..', '..', 'docs', 'metrics.md'), 'utf8'), REGISTRY_SETS);

describe('the metrics the apps export are docs/metrics.md', () => {
  beforeAll(() => {
    collectNodeMetrics();
    // The gateway's gauges, with a sample covering every queue, state and status.
    sharedStateGauges().update({
      executions: Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 1])),
      matcher: [{ partition: 'mockops:events', lag: 0, pending: 0 }],
      queues: STEP_TYPES.map((t) => ({ queue: stepQueueName(t), jobs: Object.fromEntries(QUEUE_STATES.map((s) => [s, 0])) as never, workers: 0 })),
      deadLetterEntries: 0,
    });
  });

  it('exports every documented metric with its type and labels, and its closed label sets exactly', async () => {
    const exported = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, m]));
    for (const [name, spec] of doc) {
      const m = exported.get(name);
      expect({ name, exported: !!m }).toEqual({ name, exported: true });
      expect({ name, type: m!.type }).toEqual({ name, type: spec.type });
      if (!name.startsWith('mockops_')) continue;
      const values = m!.values.filter((v) => !('le' in v.labels) && !String((v as { metricName?: string }).metricName ?? '').endsWith('_sum'));
      for (const [label, allowed] of spec.labels) {
        const seen = [...new Set(values.map((v) => String(v.labels[label])))].sort();
        if (allowed) expect({ name, label, values: seen }).toEqual({ name, label, values: [...allowed].sort() });
        else expect({ name, label, labelled: values.every((v) => label in v.labels) }).toEqual({ name, label, labelled: true });
      }
      for (const v of values) {
        const extra = Object.keys(v.labels).filter((l) => l !== 'le' && !spec.labels.has(l));
        expect({ name, extra }).toEqual({ name, extra: [] });
      }
    }
  });

  it('exports no mockops_ metric the table does not document', async () => {
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('mockops_'));
    expect(names.filter((n) => !doc.has(n))).toEqual([]);
  });
});
