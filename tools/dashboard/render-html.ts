// The page render-dashboard.ts screenshots: every panel of the dashboard JSON at its gridPos, rows as
// titles, time series drawn with uPlot (the web app's chart library) in Grafana's dark colours. The
// data is what Prometheus answered to the panel's own queries; nothing is computed here.
import { formatValue, layoutPanels, type Dashboard, type DashboardPanel } from './panels';

export interface PanelSeries {
  name: string;
  /** One value per timestamp of the page's time axis; null where Prometheus returned no sample. */
  values: (number | null)[];
}

export interface PanelData {
  series: PanelSeries[];
  /** Why the panel has no series, when it has none (shown in the panel instead of a blank chart). */
  empty?: string;
}

export interface DashboardPage {
  dashboard: Dashboard;
  panels: DashboardPanel[];
  /** Panel index in `panels` → its data (rows have none). */
  data: Map<number, PanelData>;
  /** The shared time axis, Unix seconds. */
  times: number[];
  width: number;
  /** A line under the title saying where the data came from. */
  subtitle: string;
  uplotJs: string;
  uplotCss: string;
}

/** Grafana's classic palette, in its order. */
const PALETTE = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0', '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477'];

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

const HEADER = 64;

export function dashboardHtml(page: DashboardPage): string {
  const { placed, height } = layoutPanels(page.panels, page.width);
  const boxes = placed
    .map((p, i) => {
      const style = `left:${p.left}px;top:${p.top + HEADER}px;width:${p.width}px;height:${p.height}px`;
      if (p.panel.type === 'row') return `<div class="row" style="${style}">${esc(p.panel.title)}</div>`;
      const d = page.data.get(i);
      // Series that stayed at 0 (prom-client exports every label value from the start) are drawn but
      // summed up in one legend entry, so the legend has room for the ones that moved.
      const all = (d?.series ?? []).map((s, k) => ({ s, color: PALETTE[k % PALETTE.length], flat: s.values.every((v) => v === null || v === 0) }));
      const flat = all.filter((x) => x.flat);
      const legend =
        all
          .filter((x) => !x.flat)
          .map((x) => `<span class="item"><i style="background:${x.color}"></i>${esc(x.s.name)}</span>`)
          .join('') + (flat.length ? `<span class="item zero">${flat.length === all.length ? 'all' : `${flat.length} more`} at 0${flat.length <= 4 ? `: ${esc(flat.map((x) => x.s.name).join(', '))}` : ' (not listed)'}</span>` : '');
      const body = d && d.series.length ? `<div class="chart" id="chart-${i}"></div><div class="legend">${legend}</div>` : `<div class="nodata">No data${d?.empty ? `: ${esc(d.empty)}` : ''}</div>`;
      return `<div class="panel" style="${style}"><div class="title">${esc(p.panel.title)}</div>${body}</div>`;
    })
    .join('\n');
  const charts = placed
    .map((p, i) => ({ i, unit: p.panel.fieldConfig?.defaults?.unit, d: page.data.get(i) }))
    .flatMap((c) => (c.d && c.d.series.length ? [{ id: `chart-${c.i}`, unit: c.unit ?? 'short', series: c.d.series }] : []));
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(page.dashboard.title)}</title>
<style>${page.uplotCss}
body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,'Helvetica Neue',Arial,sans-serif;width:${page.width}px;height:${height + HEADER}px;position:relative;overflow:hidden}
.header{position:absolute;left:8px;top:8px;right:8px;height:${HEADER - 16}px}
.header h1{margin:0;font-size:18px;font-weight:500;color:#e6e6f0}
.header .sub{margin-top:4px;color:#8e8e9e}
.row{position:absolute;font-size:15px;font-weight:500;color:#e6e6f0;display:flex;align-items:center}
.panel{position:absolute;background:#181b1f;border:1px solid #2a2d33;border-radius:2px;display:flex;flex-direction:column;box-sizing:border-box}
.title{padding:6px 8px 2px;font-size:13px;font-weight:500;color:#e6e6f0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chart{flex:1;min-height:0;padding:0 4px}
.legend{padding:2px 8px 6px;display:flex;flex-wrap:wrap;gap:2px 14px;max-height:44px;overflow:hidden}
.legend .item{white-space:nowrap}
.legend .zero{color:#8e8e9e;white-space:normal}
.legend i{display:inline-block;width:14px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle}
.nodata{flex:1;display:flex;align-items:center;justify-content:center;color:#8e8e9e;font-size:14px;padding:0 16px;text-align:center}
.uplot{font-family:inherit}
</style></head><body>
<div class="header"><h1>${esc(page.dashboard.title)}</h1><div class="sub">${esc(page.subtitle)}</div></div>
${boxes}
<script>${page.uplotJs}</script>
<script>
const formatValue = ${formatValue.toString()};
const PALETTE = ${JSON.stringify(PALETTE)};
const times = ${JSON.stringify(page.times)};
const charts = ${JSON.stringify(charts)};
const pad2 = (n) => String(n).padStart(2, '0');
const hhmmss = (t) => { const d = new Date(t * 1000); return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds()); };
for (const c of charts) {
  const el = document.getElementById(c.id);
  const axis = { stroke: '#ccccdc', grid: { stroke: 'rgba(204,204,220,0.08)', width: 1 }, ticks: { stroke: 'rgba(204,204,220,0.08)', width: 1 }, font: '11px Inter, Helvetica, Arial, sans-serif' };
  new uPlot({
    width: el.clientWidth - 8,
    height: el.clientHeight,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    axes: [
      { ...axis, values: (u, splits) => splits.map(hhmmss) },
      { ...axis, size: 78, values: (u, splits) => splits.map((v) => formatValue(v, c.unit)) },
    ],
    series: [{}, ...c.series.map((s, k) => ({ label: s.name, stroke: PALETTE[k % PALETTE.length], width: 1.5, fill: PALETTE[k % PALETTE.length] + '1a', spanGaps: false, points: { show: false } }))],
  }, [times, ...c.series.map((s) => s.values)], el);
}
document.body.dataset.rendered = 'yes';
</script>
</body></html>`;
}
