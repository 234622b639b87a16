import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiGet } from '../api/client';
import type { Page, Pipeline, PipelineStats, Revision, StatsTimeline } from '../api/types';
import { Highlight } from '../components/Highlight';
import { RevisionDiff } from '../components/RevisionDiff';
import { StatsChart } from '../components/StatsChart';
import { Empty, ErrorBox, Loading, Section, StatusBadge } from '../components/ui';
import { formatDuration, formatRate, formatTimestamp } from '../lib/format';
import { ExecutionsTable } from './ExecutionsPage';

export function PipelinePage({ id }: { id: string }) {
  const pipeline = useQuery({ queryKey: ['pipeline', id], queryFn: () => apiGet<Pipeline>(`/pipelines/${id}`) });
  const revisions = useQuery({ queryKey: ['revisions', id], queryFn: () => apiGet<Page<Revision>>(`/pipelines/${id}/revisions`) });
  const stats = useQuery({ queryKey: ['stats', id], queryFn: () => apiGet<PipelineStats>(`/pipelines/${id}/stats`) });
  const timeline = useQuery({ queryKey: ['stats', id, 'timeline'], queryFn: () => apiGet<StatsTimeline>(`/pipelines/${id}/stats/timeline`) });

  if (pipeline.isPending) return <Loading what="the pipeline" />;
  if (pipeline.error || !pipeline.data) return <ErrorBox error={pipeline.error} />;
  const p = pipeline.data;
  const revs = revisions.data?.items ?? [];
  const current = revs.find((r) => r.revision === p.revision) ?? revs[revs.length - 1];

  return (
    <>
      <h1>
        {p.name} <StatusBadge status={p.enabled ? 'enabled' : 'disabled'} />
      </h1>
      <p className="muted">
        {p.description && <>{p.description} · </>}
        {p.workspace_id ? `workspace ${p.workspace_id}` : 'global pipeline'} · revision {p.revision} · updated {formatTimestamp(p.updated_at)}
      </p>
      <div className="grid-2">
        <Section title="Stats" id="stats-title">
          <ErrorBox error={stats.error ?? timeline.error} />
          {stats.data && (
            <dl className="stats">
              <div>
                <dt>Runs</dt>
                <dd>{stats.data.total}</dd>
              </div>
              <div>
                <dt>Success rate</dt>
                <dd>{formatRate(stats.data.success_rate)}</dd>
              </div>
              <div>
                <dt>p50</dt>
                <dd>{formatDuration(stats.data.p50_ms)}</dd>
              </div>
              <div>
                <dt>p95</dt>
                <dd>{formatDuration(stats.data.p95_ms)}</dd>
              </div>
            </dl>
          )}
          {timeline.data && (timeline.data.items.length ? <StatsChart points={timeline.data.items} bucket={timeline.data.bucket} /> : <Empty>No runs yet.</Empty>)}
          {timeline.data && timeline.data.items.length > 0 && <p className="muted small">One point per {timeline.data.bucket}.</p>}
        </Section>
        <Section title={`Definition (revision ${current?.revision ?? p.revision})`} id="yaml-title">
          {current ? <Highlight code={current.source_text} language={current.source_format} label="Pipeline definition" /> : <Loading what="the definition" />}
        </Section>
      </div>
      <Section title="Revisions" id="revisions-title">
        <ErrorBox error={revisions.error} />
        {revs.length > 0 && <Revisions key={revs.length} revisions={revs} />}
      </Section>
      <Section title="Executions" id="executions-title">
        <ExecutionsTable filters={{ pipeline_id: id }} hidePipeline />
      </Section>
    </>
  );
}

function Revisions({ revisions }: { revisions: Revision[] }) {
  const last = revisions[revisions.length - 1].revision;
  const [from, setFrom] = useState(Math.max(1, last - 1));
  const [to, setTo] = useState(last);
  const a = revisions.find((r) => r.revision === from);
  const b = revisions.find((r) => r.revision === to);
  return (
    <>
      <ul className="revisions">
        {[...revisions].reverse().map((r) => (
          <li key={r.id}>
            r{r.revision} · {formatTimestamp(r.created_at)} · {r.source_format}
          </li>
        ))}
      </ul>
      {revisions.length > 1 ? (
        <>
          <div className="toolbar">
            <label>
              Compare
              <select value={from} onChange={(e) => setFrom(Number(e.target.value))}>
                {revisions.map((r) => (
                  <option key={r.id} value={r.revision}>
                    r{r.revision}
                  </option>
                ))}
              </select>
            </label>
            <label>
              with
              <select value={to} onChange={(e) => setTo(Number(e.target.value))}>
                {revisions.map((r) => (
                  <option key={r.id} value={r.revision}>
                    r{r.revision}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {a && b && <RevisionDiff before={a.source_text} after={b.source_text} label={`Changes from revision ${from} to ${to}`} />}
        </>
      ) : (
        <p className="muted">One revision so far: save a new one (PUT) to compare.</p>
      )}
    </>
  );
}
