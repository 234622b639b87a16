import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { apiGet, apiPost, downloadFile } from '../api/client';
import type { Artifact, ExecutionDetail, Page, StepRun } from '../api/types';
import { Highlight } from '../components/Highlight';
import { Timeline } from '../components/Timeline';
import { Empty, ErrorBox, JsonView, Loading, Section, StatusBadge, Time } from '../components/ui';
import { formatBytes, formatDuration, formatTimestamp, isActive } from '../lib/format';

export function ExecutionPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  // Refetched when the live feed names this execution; no polling.
  const execution = useQuery({ queryKey: ['execution', id], queryFn: () => apiGet<ExecutionDetail>(`/executions/${id}`) });
  const artifacts = useQuery({
    queryKey: ['execution', id, 'artifacts'],
    queryFn: () => apiGet<Page<Artifact>>(`/executions/${id}/artifacts`),
    enabled: execution.data?.steps.some((s) => s.step_type === 'regenerate_sdk' && s.status === 'succeeded') ?? false,
  });
  const act = useMutation({
    mutationFn: (action: 'rerun' | 'cancel') => apiPost<ExecutionDetail>(`/executions/${id}/${action}`),
    onSuccess: (data) => {
      queryClient.setQueryData(['execution', id], data);
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    },
  });

  if (execution.isPending) return <Loading what="the execution" />;
  if (execution.error || !execution.data) return <ErrorBox error={execution.error} />;
  const e = execution.data;
  const active = isActive(e.status);

  return (
    <>
      <h1>
        Execution <code>{e.id.slice(0, 8)}</code> <StatusBadge status={e.status} />
      </h1>
      <p className="sr-only" role="status" aria-live="polite">
        Execution {e.status}
      </p>
      <div className="toolbar">
        <button type="button" className="primary" disabled={active || act.isPending} onClick={() => act.mutate('rerun')}>
          Re-run
        </button>
        <button type="button" className="danger" disabled={!active || act.isPending} onClick={() => act.mutate('cancel')}>
          Cancel
        </button>
        <Link href={`/pipelines/${e.pipeline_id}`}>Pipeline</Link>
      </div>
      <ErrorBox error={act.error} />
      <dl className="facts">
        <div>
          <dt>Event</dt>
          <dd>
            {e.event_type} <code className="small">{e.event_id}</code>
          </dd>
        </div>
        <div>
          <dt>Workspace</dt>
          <dd>{e.workspace_id ?? '—'}</dd>
        </div>
        <div>
          <dt>Run</dt>
          <dd>{e.run_attempt}</dd>
        </div>
        <div>
          <dt>Queued</dt>
          <dd title={formatTimestamp(e.queued_at)}>
            <Time iso={e.queued_at} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(e.duration_ms)}</dd>
        </div>
      </dl>
      {e.error && <ErrorBox error={new Error(e.error)} title="Failed" />}
      <Section title="Timeline" id="timeline-title">
        <Timeline execution={e} />
      </Section>
      <Section title="Steps" id="steps-title">
        {e.steps.map((s) => (
          <StepDetails key={s.name} step={s} />
        ))}
      </Section>
      {artifacts.data && artifacts.data.items.length > 0 && (
        <Section title="Artifacts" id="artifacts-title">
          <ul className="plain">
            {artifacts.data.items.map((a) => (
              <li key={a.name}>
                <button type="button" onClick={() => downloadFile(`/executions/${id}/artifacts/${encodeURIComponent(a.name)}`, `${id}-${a.name}${a.media_type === 'application/gzip' ? '.tar.gz' : ''}`)}>
                  Download {a.name}
                </button>{' '}
                <span className="muted small">
                  {formatBytes(a.size)} · {a.step_name} · sha256 {a.sha256.slice(0, 12)}…
                </span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Triggering event" id="event-title">
        <Highlight code={JSON.stringify(e.event, null, 2)} language="json" label="Triggering event" />
      </Section>
    </>
  );
}

function StepDetails({ step }: { step: StepRun }) {
  return (
    <details className="step" data-step={step.name} open={step.status === 'failed' || undefined}>
      <summary>
        <StatusBadge status={step.status} /> <strong>{step.name}</strong> <span className="muted">{step.step_type}</span>
        <span className="muted small">
          {' '}
          · attempt {step.attempts}/{step.max_attempts} · {formatDuration(step.duration_ms)}
        </span>
        {step.status === 'skipped' && step.skip_reason && <span className="muted small skip-reason"> · skipped: {step.skip_reason.message}</span>}
        {step.reused_from_attempt ? <span className="muted small"> · kept from run attempt {step.reused_from_attempt}</span> : null}
      </summary>
      {step.error && <ErrorBox error={new Error(step.error_code ? `${step.error_code}: ${step.error}` : step.error)} />}
      <div className="grid-2">
        <div>
          <h3>Config (as rendered, secrets masked)</h3>
          <JsonView value={step.config} label={`Config of ${step.name}`} />
        </div>
        <div>
          <h3>Outputs</h3>
          <JsonView value={step.outputs} label={`Outputs of ${step.name}`} />
        </div>
      </div>
      <h3>Logs</h3>
      {step.logs.length === 0 ? (
        <Empty>No log lines.</Empty>
      ) : (
        <ol className="logs" aria-label={`Logs of ${step.name}`}>
          {step.logs.map((l, i) => (
            <li key={i}>
              <time dateTime={l.at}>{formatTimestamp(l.at).slice(11)}</time> <span className="muted">#{l.attempt}</span> {l.message}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
