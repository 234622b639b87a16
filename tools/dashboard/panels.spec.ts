import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatDuration,
  formatValue,
  layoutPanels,
  legendName,
  parseDuration,
  queryInterval,
  rateInterval,
  substituteVariables,
  variableValue,
  visiblePanels,
  type Dashboard,
  type TemplateVariable,
} from './panels';

const namespace: TemplateVariable = { name: 'namespace', type: 'query', includeAll: true, allValue: '.*', multi: true };
const ctx = { intervalSeconds: 2, scrapeSeconds: 1, rangeSeconds: 300 };

describe('substituteVariables', () => {
  it("replaces $__rate_interval by Grafana's max(interval + scrape, 4 × scrape)", () => {
    expect(substituteVariables('rate(x[$__rate_interval])', [], ctx)).toBe('rate(x[4s])');
    expect(substituteVariables('rate(x[$__rate_interval])', [], { ...ctx, intervalSeconds: 10 })).toBe('rate(x[11s])');
    expect(substituteVariables('rate(x[$__rate_interval])', [], { ...ctx, intervalSeconds: 60, scrapeSeconds: 15 })).toBe('rate(x[75s])');
  });

  it('replaces $__interval and $__range, and does not confuse $__interval with $__interval_ms', () => {
    expect(substituteVariables('avg_over_time(x[$__interval]) + $__interval_ms + $__range_s', [], ctx)).toBe('avg_over_time(x[2s]) + 2000 + 300');
    expect(substituteVariables('increase(x[$__range])', [], { ...ctx, rangeSeconds: 3600 })).toBe('increase(x[1h])');
  });

  it('replaces a dashboard variable in all three spellings; "All" is its allValue', () => {
    const out = substituteVariables('a{namespace=~"$namespace"} + b{namespace=~"${namespace}"} + c{namespace=~"[[namespace]]"}', [namespace], ctx);
    expect(out).toBe('a{namespace=~".*"} + b{namespace=~".*"} + c{namespace=~".*"}');
  });

  it('chosen values become an escaped regex alternation', () => {
    expect(substituteVariables('a{namespace=~"$namespace"}', [namespace], { ...ctx, values: { namespace: ['prod'] } })).toBe('a{namespace=~"prod"}');
    expect(substituteVariables('a{namespace=~"$namespace"}', [namespace], { ...ctx, values: { namespace: ['prod', 'team.a'] } })).toBe('a{namespace=~"(prod|team\\.a)"}');
  });

  it('refuses an unknown variable instead of sending a $ to Prometheus', () => {
    expect(() => substituteVariables('a{x="$nope"}', [namespace], ctx)).toThrow('unknown dashboard variable $nope');
  });

  it('"All" without an allValue matches any value', () => {
    expect(variableValue({ name: 'v', type: 'query', includeAll: true }, ['$__all'])).toBe('.*');
  });

  it('every query of the real dashboard substitutes to a query without a $', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'k8s', 'observability', 'grafana', 'mockops-dashboard.json'), 'utf8')) as Dashboard;
    const vars = dashboard.templating?.list ?? [];
    const exprs = visiblePanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) expect(substituteVariables(e, vars, ctx)).not.toContain('$');
  });
});

describe('intervals', () => {
  it('the query interval is range / points, at least the scrape interval', () => {
    expect(queryInterval(300, 600, 1)).toBe(1);
    expect(queryInterval(3600, 600, 1)).toBe(6);
    expect(queryInterval(3600, 600, 15)).toBe(15);
    expect(rateInterval(6, 1)).toBe(7);
  });

  it('durations read and print in Prometheus syntax', () => {
    expect(parseDuration('15s')).toBe(15);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('250ms')).toBe(0.25);
    expect(() => parseDuration('soon')).toThrow('not a duration');
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(7200)).toBe('2h');
  });
});

describe('layoutPanels', () => {
  it("places gridPos on Grafana's 24-column grid: 30 px rows, 8 px margins", () => {
    // 1600 px: column = (1600 - 25 × 8) / 24 = 58.33 px.
    const { placed, height } = layoutPanels(
      [
        { type: 'row', title: 'Events', gridPos: { x: 0, y: 0, w: 24, h: 1 } },
        { type: 'timeseries', title: 'left', gridPos: { x: 0, y: 1, w: 12, h: 8 } },
        { type: 'timeseries', title: 'right', gridPos: { x: 12, y: 1, w: 12, h: 8 } },
      ],
      1600,
    );
    expect(placed.map(({ left, top, width, height: h }) => ({ left, top, width, h }))).toEqual([
      { left: 8, top: 8, width: 1584, h: 30 },
      { left: 8, top: 46, width: 788, h: 296 },
      { left: 804, top: 46, width: 788, h: 296 },
    ]);
    // The two halves meet with one margin between them and fill the width.
    expect(placed[2].left - (placed[1].left + placed[1].width)).toBe(8);
    expect(placed[2].left + placed[2].width).toBe(1600 - 8);
    expect(height).toBe(46 + 296 + 8);
  });

  it("a collapsed row's panels are hidden, an expanded row's nested panels are shown", () => {
    const inner = { type: 'timeseries', title: 'inner', gridPos: { x: 0, y: 1, w: 24, h: 8 } };
    const d = (collapsed: boolean): Dashboard => ({ title: 't', panels: [{ type: 'row', title: 'r', collapsed, panels: [inner], gridPos: { x: 0, y: 0, w: 24, h: 1 } }] });
    expect(visiblePanels(d(true)).map((p) => p.title)).toEqual(['r']);
    expect(visiblePanels(d(false)).map((p) => p.title)).toEqual(['r', 'inner']);
  });
});

describe('legends and units', () => {
  it('fills {{label}} from the series, and prints the labels without a legendFormat', () => {
    expect(legendName('{{step_type}} {{outcome}}', { step_type: 'notify', outcome: 'retried' })).toBe('notify retried');
    expect(legendName('dead-lettered: {{reason}}', {})).toBe('dead-lettered: ');
    expect(legendName(undefined, { __name__: 'up', app: 'mockops' })).toBe('up{app="mockops"}');
  });

  it("prints values in the panel's unit", () => {
    expect(formatValue(0.0123, 's')).toBe('12.3 ms');
    expect(formatValue(2.5, 's')).toBe('2.5 s');
    expect(formatValue(150 * 2 ** 20, 'bytes')).toBe('150 MiB');
    expect(formatValue(1234, 'ops')).toBe('1.23 K ops/s');
    expect(formatValue(3, 'short')).toBe('3');
  });
});
