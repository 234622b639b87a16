import { useMemo } from 'react';
import { diffRows, diffStats } from '../lib/diff';

/** A unified line diff between two revisions' source files. */
export function RevisionDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  const stats = diffStats(rows);
  return (
    <div>
      <p className="muted">
        <span className="diff-add-text">+{stats.added}</span> <span className="diff-del-text">−{stats.removed}</span>
        {stats.added + stats.removed === 0 && ' (identical)'}
      </p>
      <div className="code diff" role="table" aria-label={label} tabIndex={0}>
        {rows.map((r, i) =>
          r.kind === 'gap' ? (
            <div key={i} role="row" className="diff-row diff-gap">
              <span role="cell">⋯ {r.hidden} unchanged lines</span>
            </div>
          ) : (
            <div key={i} role="row" className={`diff-row diff-${r.kind}`}>
              <span role="cell" className="diff-no">{r.oldNo ?? ''}</span>
              <span role="cell" className="diff-no">{r.newNo ?? ''}</span>
              <span role="cell" className="diff-sign">{r.kind === 'add' ? '+' : r.kind === 'del' ? '−' : ' '}</span>
              <span role="cell" className="diff-text">{r.text}</span>
            </div>
          ),
        )}
      </div>
    </div>
  );
}
