import { useState } from 'react';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { apiGet, apiPost } from '../api/client';
import type { Page, Pipeline, Promotion, WorkspaceEnvironments } from '../api/types';
import { Empty, ErrorBox, Loading, Section, Time } from '../components/ui';

export function ApprovalsPage() {
  const queryClient = useQueryClient();
  const pending = useQuery({ queryKey: ['promotions', 'pending'], queryFn: () => apiGet<Page<Promotion>>('/promotions', { status: 'pending', limit: 100 }) });
  const recent = useQuery({ queryKey: ['promotions', 'recent'], queryFn: () => apiGet<Page<Promotion>>('/promotions', { limit: 100 }) });
  const pipelines = useQuery({ queryKey: ['pipelines', 'options'], queryFn: () => apiGet<Page<Pipeline>>('/pipelines', { limit: 200 }) });
  const decide = useMutation({
    mutationFn: ({ id, decision, comments }: { id: string; decision: 'approve' | 'reject'; comments: string }) =>
      apiPost<Promotion>(`/promotions/${id}/${decision}`, comments ? { comments } : {}),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['promotions'] });
      void queryClient.invalidateQueries({ queryKey: ['environments'] });
    },
  });
  const [comments, setComments] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState<string[]>([]);
  const [lookup, setLookup] = useState('');

  const workspaces = [
    ...new Set([
      ...(recent.data?.items.map((p) => p.workspace_id) ?? []),
      ...((pipelines.data?.items.map((p) => p.workspace_id).filter(Boolean) as string[]) ?? []),
      ...extra,
    ]),
  ].sort();

  return (
    <>
      <h1>Approvals</h1>
      <Section title="Waiting for approval" id="pending-title">
        <ErrorBox error={pending.error ?? decide.error} />
        {pending.isPending ? (
          <Loading what="promotions" />
        ) : !pending.data?.items.length ? (
          <Empty>No promotion is waiting for approval.</Empty>
        ) : (
          <ul className="cards">
            {pending.data.items.map((p) => (
              <li key={p.id} className="card inner" data-promotion={p.id}>
                <p>
                  <strong>
                    {p.entity_type} {p.entity_id} v{p.version}
                  </strong>{' '}
                  {p.from_environment} → {p.to_environment} in <code>{p.workspace_id}</code> · requested <Time iso={p.created_at} />
                  {p.execution_id && (
                    <>
                      {' '}
                      · <Link href={`/executions/${p.execution_id}`}>execution</Link>
                    </>
                  )}
                </p>
                <label className="block">
                  Comment (optional)
                  <input value={comments[p.id] ?? ''} onChange={(e) => setComments({ ...comments, [p.id]: e.target.value })} />
                </label>
                <div className="toolbar">
                  <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate({ id: p.id, decision: 'approve', comments: comments[p.id] ?? '' })}>
                    Approve
                  </button>
                  <button type="button" className="danger" disabled={decide.isPending} onClick={() => decide.mutate({ id: p.id, decision: 'reject', comments: comments[p.id] ?? '' })}>
                    Reject
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section
        title="Environments"
        id="environments-title"
        actions={
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (lookup.trim()) setExtra([...extra, lookup.trim()]);
              setLookup('');
            }}
          >
            <label>
              Workspace
              <input value={lookup} onChange={(e) => setLookup(e.target.value)} placeholder="workspace id" />
            </label>
            <button type="submit">Show</button>
          </form>
        }
      >
        {workspaces.length === 0 ? <Empty>No workspace seen yet: name one to see its environments.</Empty> : <Environments workspaces={workspaces} />}
      </Section>
    </>
  );
}

function Environments({ workspaces }: { workspaces: string[] }) {
  const results = useQueries({
    queries: workspaces.map((ws) => ({ queryKey: ['environments', ws], queryFn: () => apiGet<WorkspaceEnvironments>(`/workspaces/${encodeURIComponent(ws)}/environments`) })),
  });
  return (
    <>
      {results.map((r, i) => (
        <div key={workspaces[i]} className="env" data-workspace={workspaces[i]}>
          <h3>
            {workspaces[i]} <span className="muted small">{r.data ? r.data.order.join(' → ') : ''}</span>
          </h3>
          <ErrorBox error={r.error} />
          {r.data && (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Environment</th>
                    <th scope="col">What is there</th>
                  </tr>
                </thead>
                <tbody>
                  {r.data.environments.map((env) => (
                    <tr key={env.name}>
                      <th scope="row">{env.name}</th>
                      <td>
                        {env.entities.length === 0 ? (
                          <span className="muted">nothing yet</span>
                        ) : (
                          env.entities.map((e) => (
                            <span key={`${e.entity_type}:${e.entity_id}`} className="chip">
                              {e.entity_type} {e.entity_id} <strong>v{e.version}</strong>
                            </span>
                          ))
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ))}
    </>
  );
}
