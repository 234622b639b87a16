import { useEffect, useState } from 'react';
import type { ExecutionDetail } from '../api/types';
import { formatDuration, isActive } from '../lib/format';
import { layoutTimeline, type SegmentKind } from '../lib/timeline';
import styles from './Timeline.module.css';

const LEGEND: [SegmentKind, string][] = [
  ['queued', 'queue wait'],
  ['running', 'running'],
  ['failed-attempt', 'failed attempt'],
  ['backoff', 'retry backoff'],
  ['waiting', 'waiting for approval'],
];

/** Bars on one time axis: queue wait, each attempt, retry backoff and approval waits per step. */
export function Timeline({ execution }: { execution: ExecutionDetail }) {
  const active = isActive(execution.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    // Only the bars of a running execution grow; its data arrives through the live feed.
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [active]);
  const layout = layoutTimeline(execution, now);

  return (
    <figure className={styles.timeline} aria-label="Step timeline">
      <div className={styles.axis} aria-hidden="true">
        {layout.ticks.map((t) => (
          <span key={t.at} className={styles.tick} style={{ left: `${t.left}%` }}>
            {t.label}
          </span>
        ))}
      </div>
      <ol className={styles.rows}>
        {layout.rows.map((row) => (
          <li key={row.name} className={styles.row} data-step={row.name}>
            <div className={styles.label}>
              <span className={styles.name}>{row.name}</span>
              <span className={styles.meta}>
                {row.status}
                {row.waitMs !== null && ` · waited ${formatDuration(row.waitMs)}`}
                {row.runMs !== null && ` · ran ${formatDuration(row.runMs)}`}
                {row.retries > 0 && ` · ${row.retries} ${row.retries === 1 ? 'retry' : 'retries'}`}
              </span>
            </div>
            <div className={styles.track}>
              {row.segments.map((s, i) => (
                <span
                  key={i}
                  className={`${styles.bar} ${styles[s.kind]}`}
                  data-kind={s.kind}
                  style={{ left: `${s.left}%`, width: `max(${s.width}%, 2px)` }}
                  title={`${s.label}: ${formatDuration(s.to - s.from)} (from +${formatDuration(s.from)})`}
                />
              ))}
            </div>
          </li>
        ))}
      </ol>
      <figcaption className={styles.legend}>
        {LEGEND.map(([kind, label]) => (
          <span key={kind}>
            <span className={`${styles.swatch} ${styles[kind]}`} aria-hidden="true" />
            {label}
          </span>
        ))}
        <span className="muted">total {formatDuration(layout.spanMs)}</span>
      </figcaption>
    </figure>
  );
}
