import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StatsPoint } from '../api/types';
import { formatDuration } from '../lib/format';

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Success rate (right axis, %) and p50/p95 duration (left axis) per time bucket, with uPlot. */
const BUCKET_SECONDS = { minute: 60, hour: 3600, day: 86400 } as const;

export function StatsChart({ points, bucket }: { points: StatsPoint[]; bucket: keyof typeof BUCKET_SECONDS }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el || points.length === 0) return;
    const fg = cssVar('--muted', '#667');
    const grid = cssVar('--border', '#ddd');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const xs = points.map((p) => Date.parse(p.at) / 1000);
    const data: uPlot.AlignedData = [
      xs,
      points.map((p) => p.p50_ms),
      points.map((p) => p.p95_ms),
      points.map((p) => (p.success_rate === null ? null : p.success_rate * 100)),
    ];
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 280),
        height: 220,
        // One bucket of room on each side, so a single point is not stretched over years.
        scales: {
          x: { time: true, range: [xs[0] - BUCKET_SECONDS[bucket], xs[xs.length - 1] + BUCKET_SECONDS[bucket]] },
          ms: { auto: true, range: (_u, _min, max) => [0, Math.max(max ?? 1, 1) * 1.1] }, pct: { range: [0, 100] } },
        axes: [
          { ...axis },
          { ...axis, scale: 'ms', values: (_u, vals) => vals.map((v) => formatDuration(v)), size: 60 },
          { ...axis, scale: 'pct', side: 1, values: (_u, vals) => vals.map((v) => `${v}%`), grid: { show: false } },
        ],
        series: [
          {},
          { label: 'p50', scale: 'ms', stroke: '#2f6fde', width: 2, points: { show: true }, value: (_u, v) => (v === null ? '—' : formatDuration(v)) },
          { label: 'p95', scale: 'ms', stroke: '#d9822b', width: 2, dash: [6, 4], points: { show: true }, value: (_u, v) => (v === null ? '—' : formatDuration(v)) },
          { label: 'success', scale: 'pct', stroke: '#1f9d55', width: 2, points: { show: true }, value: (_u, v) => (v === null ? '—' : `${v.toFixed(0)}%`) },
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 280), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, bucket]);
  return <div ref={host} className="chart" role="img" aria-label="Success rate and p50/p95 duration over time" />;
}
