// The pure parts of tools/dashboard/render-dashboard.ts: what Grafana does with a dashboard JSON before
// it asks Prometheus (template variables, $__interval / $__rate_interval) and where it puts each panel
// (gridPos on a 24-column grid, 30 px rows), plus the legend names and the axis units of a panel.

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DashboardTarget {
  expr?: string;
  legendFormat?: string;
  refId?: string;
  hide?: boolean;
}

export interface DashboardPanel {
  id?: number;
  type: string;
  title: string;
  gridPos: GridPos;
  collapsed?: boolean;
  panels?: DashboardPanel[];
  targets?: DashboardTarget[];
  fieldConfig?: { defaults?: { unit?: string } };
  interval?: string;
}

export interface TemplateVariable {
  name: string;
  type: string;
  includeAll?: boolean;
  allValue?: string;
  multi?: boolean;
}

export interface Dashboard {
  title: string;
  panels: DashboardPanel[];
  templating?: { list: TemplateVariable[] };
}

/** Grafana's grid: 24 columns, rows of 30 px, 8 px between panels (GRID_CELL_HEIGHT, GRID_CELL_VMARGIN). */
export const GRID_COLUMNS = 24;
export const GRID_CELL_HEIGHT = 30;
export const GRID_MARGIN = 8;

export interface PlacedPanel {
  panel: DashboardPanel;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Pixel boxes of the panels as Grafana's react-grid-layout places them on a canvas `width` px wide:
 * column width (width - 25 margins) / 24, row height 30 px, 8 px between cells. The panels of a
 * collapsed row are not shown (Grafana keeps them inside the row until it is expanded).
 */
export function layoutPanels(panels: DashboardPanel[], width: number): { placed: PlacedPanel[]; height: number } {
  const col = (width - GRID_MARGIN * (GRID_COLUMNS + 1)) / GRID_COLUMNS;
  const placed = panels.map((panel) => {
    const { x, y, w, h } = panel.gridPos;
    return {
      panel,
      left: Math.round(GRID_MARGIN + x * (col + GRID_MARGIN)),
      top: Math.round(GRID_MARGIN + y * (GRID_CELL_HEIGHT + GRID_MARGIN)),
      width: Math.round(w * col + (w - 1) * GRID_MARGIN),
      height: Math.round(h * GRID_CELL_HEIGHT + (h - 1) * GRID_MARGIN),
    };
  });
  const height = placed.reduce((m, p) => Math.max(m, p.top + p.height), 0) + GRID_MARGIN;
  return { placed, height };
}

/** Prometheus duration text (`15s`, `1m`, `2h`) → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  return n * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

/** Seconds → the shortest Prometheus duration text that says them exactly (`90` → `90s`, `120` → `2m`). */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s > 0 && s % 3600 === 0) return `${s / 3600}h`;
  if (s > 0 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/**
 * Grafana's query interval for a time range drawn `maxDataPoints` points wide: range / points,
 * never below the data source's scrape interval ("Min interval"), rounded up to whole seconds.
 * (Grafana rounds to a table of "nice" intervals; whole seconds keep the same meaning here.)
 */
export function queryInterval(rangeSeconds: number, maxDataPoints: number, scrapeSeconds: number): number {
  return Math.max(scrapeSeconds, Math.ceil(rangeSeconds / maxDataPoints));
}

/**
 * Grafana's `$__rate_interval`: max($__interval + scrape interval, 4 × scrape interval), so a rate
 * window always holds at least four scrapes (grafana.com/docs, "Prometheus template variables").
 */
export function rateInterval(intervalSeconds: number, scrapeSeconds: number): number {
  return Math.max(intervalSeconds + scrapeSeconds, 4 * scrapeSeconds);
}

export interface QueryContext {
  /** $__interval, seconds. */
  intervalSeconds: number;
  /** The data source's scrape interval, seconds. */
  scrapeSeconds: number;
  /** $__range, seconds. */
  rangeSeconds: number;
  /** Values of the dashboard's own variables; a variable left out means "All". */
  values?: Record<string, string[]>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What Grafana sends for a dashboard variable inside a PromQL query: "All" is the variable's
 * `allValue` (or every value joined as a regex alternation), one value is itself, several values
 * are a regex alternation `(a|b)` with each escaped — Grafana's Prometheus formatting.
 */
export function variableValue(variable: TemplateVariable, selected: string[] | undefined): string {
  if (!selected || selected.length === 0 || selected.includes('$__all')) {
    // Grafana joins every value the variable's query found; matching any value is the same filter.
    return variable.allValue !== undefined && variable.allValue !== '' ? variable.allValue : '.*';
  }
  if (selected.length === 1) return escapeRegex(selected[0]);
  return `(${selected.map(escapeRegex).join('|')})`;
}

/**
 * Substitutes Grafana's built-in interval/range variables and the dashboard's own variables in a
 * PromQL expression, in each of Grafana's three spellings ($name, ${name}, [[name]]). An unknown
 * variable is an error: the query would reach Prometheus with a `$` in it.
 */
export function substituteVariables(expr: string, variables: TemplateVariable[], ctx: QueryContext): string {
  const builtins: Record<string, string> = {
    __rate_interval: formatDuration(rateInterval(ctx.intervalSeconds, ctx.scrapeSeconds)),
    __interval: formatDuration(ctx.intervalSeconds),
    __interval_ms: String(Math.round(ctx.intervalSeconds * 1000)),
    __range: formatDuration(ctx.rangeSeconds),
    __range_s: String(Math.round(ctx.rangeSeconds)),
    __range_ms: String(Math.round(ctx.rangeSeconds * 1000)),
  };
  const lookup = (name: string): string => {
    if (name in builtins) return builtins[name];
    const v = variables.find((x) => x.name === name);
    if (!v) throw new Error(`unknown dashboard variable $${name} in: ${expr}`);
    return variableValue(v, ctx.values?.[name]);
  };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (_m, a: string, b: string, c: string) => lookup(a ?? b ?? c));
}

/**
 * A series' legend name: `legendFormat` with each `{{label}}` replaced by the series' value of that
 * label (empty when it has none), or, without a legendFormat, the series' labels as Prometheus prints them.
 */
export function legendName(legendFormat: string | undefined, metric: Record<string, string>): string {
  if (legendFormat && legendFormat !== '__auto') return legendFormat.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, l: string) => metric[l] ?? '');
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}

/** A value in a panel's unit (Grafana's unit ids the dashboard uses: short, ops, reqps, s, bytes). */
export function formatValue(value: number, unit: string | undefined): string {
  const trim = (n: number) => {
    const a = Math.abs(n);
    const digits = a === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return String(Number(n.toFixed(digits)));
  };
  const si = (n: number, suffix: string) => {
    const a = Math.abs(n);
    const tail = (prefix: string) => (prefix || suffix ? ` ${prefix}${prefix && suffix ? ' ' : ''}${suffix}` : '');
    if (a >= 1e9) return `${trim(n / 1e9)}${tail('G')}`;
    if (a >= 1e6) return `${trim(n / 1e6)}${tail('M')}`;
    if (a >= 1e3) return `${trim(n / 1e3)}${tail('K')}`;
    return `${trim(n)}${tail('')}`;
  };
  switch (unit) {
    case 's': {
      const a = Math.abs(value);
      if (a === 0) return '0 s';
      if (a < 1e-3) return `${trim(value * 1e6)} µs`;
      if (a < 1) return `${trim(value * 1e3)} ms`;
      if (a < 60) return `${trim(value)} s`;
      return `${trim(value / 60)} min`;
    }
    case 'bytes': {
      const a = Math.abs(value);
      if (a >= 2 ** 30) return `${trim(value / 2 ** 30)} GiB`;
      if (a >= 2 ** 20) return `${trim(value / 2 ** 20)} MiB`;
      if (a >= 2 ** 10) return `${trim(value / 2 ** 10)} KiB`;
      return `${trim(value)} B`;
    }
    case 'ops':
      return si(value, 'ops/s');
    case 'reqps':
      return si(value, 'req/s');
    default:
      return si(value, '');
  }
}

/** Every panel in drawing order with the rows' own panels of expanded rows kept in place. */
export function visiblePanels(dashboard: Dashboard): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  for (const p of dashboard.panels) {
    out.push(p);
    if (p.type === 'row' && !p.collapsed && p.panels) out.push(...p.panels);
  }
  return out;
}
