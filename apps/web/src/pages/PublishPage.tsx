import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { apiGet, apiPost } from '../api/client';
import type { EventType, Page } from '../api/types';
import { ErrorBox } from '../components/ui';
import { checkPayload, examplePayload } from '../lib/payload-check';

const CUSTOM = '__custom__';

export function PublishPage() {
  const types = useQuery({ queryKey: ['event-types'], queryFn: () => apiGet<Page<EventType>>('/event-types'), staleTime: Infinity });
  const [choice, setChoice] = useState('scenario.published');
  const [custom, setCustom] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [eventId, setEventId] = useState('');
  const [payload, setPayload] = useState(() => JSON.stringify(examplePayload('scenario.published', undefined), null, 2));
  const type = choice === CUSTOM ? custom.trim() : choice;
  const schema = types.data?.items.find((t) => t.type === type)?.payload_schema;
  const check = useMemo(() => checkPayload(payload, schema), [payload, schema]);
  const publish = useMutation({
    mutationFn: () =>
      apiPost<{ id: string; duplicate: boolean; entry_id: string | null }>('/events', {
        type,
        ...(workspace.trim() ? { workspace_id: workspace.trim() } : {}),
        ...(eventId.trim() ? { id: eventId.trim() } : {}),
        payload: check.ok ? check.payload : {},
      }),
  });

  const pick = (next: string) => {
    setChoice(next);
    publish.reset();
    if (next !== CUSTOM) setPayload(JSON.stringify(examplePayload(next, types.data?.items.find((t) => t.type === next)?.payload_schema), null, 2));
  };

  return (
    <>
      <h1>Publish an event</h1>
      <p className="muted">The quickest way to try a pipeline: the event goes on the stream like any producer's, and matching pipelines run.</p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (check.ok && type) publish.mutate();
        }}
      >
        <label>
          Event type
          <select value={choice} onChange={(e) => pick(e.target.value)}>
            {types.data?.items.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} — {t.description}
              </option>
            ))}
            <option value={CUSTOM}>another type (payload not checked)</option>
          </select>
        </label>
        {choice === CUSTOM && (
          <label>
            Type name
            <input value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="e.g. deploy.finished" required />
          </label>
        )}
        <label>
          Workspace <span className="muted small">(optional for admin keys)</span>
          <input value={workspace} onChange={(e) => setWorkspace(e.target.value)} placeholder="workspace-123" />
        </label>
        <label>
          Event id <span className="muted small">(optional idempotency key)</span>
          <input value={eventId} onChange={(e) => setEventId(e.target.value)} />
        </label>
        <label htmlFor="payload">Payload (JSON)</label>
        <textarea
          id="payload"
          className="code"
          rows={10}
          value={payload}
          spellCheck={false}
          aria-invalid={!check.ok}
          aria-describedby="payload-check"
          onChange={(e) => setPayload(e.target.value)}
        />
        <div id="payload-check" aria-live="polite">
          {check.ok ? (
            <p className="ok-text">{schema ? `Valid ${type} payload.` : 'A JSON object (this type has no schema to check).'}</p>
          ) : (
            <ul className="error-text">
              {check.problems.map((p, i) => (
                <li key={i}>
                  {p.path ? <code>{p.path}</code> : 'payload'}: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button type="submit" className="primary" disabled={!check.ok || !type || publish.isPending}>
          Publish
        </button>
      </form>
      <ErrorBox error={publish.error} />
      {publish.data && (
        <p className="ok-text" role="status">
          {publish.data.duplicate ? 'Already published (same id): nothing added.' : 'Published'} event <code>{publish.data.id}</code>.{' '}
          <Link href={`/executions?event_type=${encodeURIComponent(type)}`}>Watch its executions</Link>
        </p>
      )}
    </>
  );
}
