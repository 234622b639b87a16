import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { REGISTRY_SETS, fromGrafana, parseMetricsDoc, promqlProblems } from './promql';

const CONTRACT = `
| name | type | labels | meaning |
|---|---|---|---|
| \`jobs_total\` | counter | \`queue\` (a, b); \`state\` (waiting, active) | jobs |
| \`lag\` | gauge | \`partition\` | lag |
| \`step_seconds\` | histogram | \`step_type\` (notify) | durations |
`;

describe('metric contract', () => {
  const metrics = parseMetricsDoc(CONTRACT);

  it('reads names, types, labels and closed value sets from the markdown table', () => {
    expect([...metrics.keys()]).toEqual(['jobs_total', 'lag', 'step_seconds']);
    expect(metrics.get('jobs_total')).toEqual({
      name: 'jobs_total',
      type: 'counter',
      labels: new Map([
        ['queue', ['a', 'b']],
        ['state', ['waiting', 'active']],
      ]),
    });
    expect(metrics.get('lag')!.labels).toEqual(new Map([['partition', null]]));
  });

  it('refuses a labels cell it cannot read', () => {
    expect(() => parseMetricsDoc('| `x` | gauge | queue, state | x |')).toThrow(/cannot read the labels of x/);
    expect(() => parseMetricsDoc('| `x` | gauge | `queue` (NO_SUCH_SET) | x |')).toThrow(/no value set named NO_SUCH_SET/);
    const named = parseMetricsDoc('| `x_total` | counter | `step_type` (STEP_TYPES) | x |', { STEP_TYPES: ['a', 'b'] });
    expect(promqlProblems('x_total{step_type="a"}', named)).toEqual([]);
    expect(promqlProblems('x_total{step_type="c"}', named).join()).toMatch(/c/);
  });

  it.each([
    ['sum by (queue) (rate(jobs_total{queue="a",state=~"waiting|active"}[5m]))', []],
    ['histogram_quantile(0.95, sum by (le, step_type) (rate(step_seconds_bucket{step_type="notify",namespace=~".*"}[5m])))', []],
    ['max(lag) > 0 and on (namespace) up == 1', []],
    ['rate(step_seconds_sum[5m]) / rate(step_seconds_count[5m])', []],
    ['jobs_total{state=~"wait.*"}', []],
  ])('accepts %s', (expr, expected) => {
    expect(promqlProblems(expr, metrics)).toEqual(expected);
  });

  it.each([
    ['sum(rate(jobs_totl[5m]))', /jobs_totl: not in docs\/metrics.md/],
    ['jobs_total{queue_name="a"}', /no label queue_name/],
    ['jobs_total{state="wait"}', /state="wait" is not one of waiting, active/],
    ['jobs_total{queue=~"a|c"}', /queue="c" is not one of a, b/],
    ['sum by (step) (jobs_total)', /grouping by step/],
    ['step_seconds{step_type="notify"}', /step_seconds: not in docs/],
    ['lag{le="1"}', /no label le/],
    ['{__name__="lag"}', /name the metric/],
    ['max(lag', /syntax error/],
    ['sum(rate(lag[5m])) by', /syntax error/],
  ])('refuses %s', (expr, problem) => {
    expect(promqlProblems(expr, metrics).join('\n')).toMatch(problem);
  });

  it("turns Grafana's variables into parseable PromQL", () => {
    expect(fromGrafana('rate(jobs_total{namespace=~"$namespace"}[$__rate_interval])')).toBe('rate(jobs_total{namespace=~".*"}[5m])');
    expect(promqlProblems(fromGrafana('rate(jobs_total{namespace=~"${namespace}"}[$__rate_interval])'), metrics)).toEqual([]);
  });

  it('docs/metrics.md declares the contract of issue 14', () => {
    const doc = parseMetricsDoc(readFileSync(join(__dirname, '..', '..', 'docs', 'metrics.md'), 'utf8'), REGISTRY_SETS);
    // Step types and queues are the registry's: a step type added to pipeline-core is a label value at once.
    expect(doc.get('mockops_queue_jobs')!.labels.get('queue')).toEqual(STEP_TYPES.map((t) => `step-${t.replace(/_/g, '-')}`));
    expect(doc.get('mockops_queue_jobs')!.labels.get('queue')).toEqual(expect.arrayContaining(['step-notify', 'step-create-pr', 'step-regenerate-sdk', 'step-auto-promote']));
    expect(doc.get('mockops_step_runs_total')!.labels.get('step_type')).toEqual([...STEP_TYPES]);
    expect(doc.get('mockops_events_dead_lettered_total')!.labels.get('reason')).toEqual(['no_event_field', 'invalid_utf8', 'invalid_json', 'invalid_event', 'too_large', 'processing_failed']);
    expect(doc.get('mockops_step_duration_seconds')!.type).toBe('histogram');
    expect(doc.get('mockops_matcher_lag_entries')!.labels).toEqual(new Map([['partition', null]]));
    expect(doc.size).toBeGreaterThanOrEqual(19);
  });
});
