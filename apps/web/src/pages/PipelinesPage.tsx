import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { apiGet, apiPost } from '../api/client';
import type { Page, Pipeline, PipelineSummary } from '../api/types';
import { Empty, ErrorBox, Loading, StatusBadge, Time } from '../components/ui';
import { formatRate } from '../lib/format';

export function PipelinesPage() {
  const queryClient = useQueryClient();
  const pipelines = useInfiniteQuery({
    queryKey: ['pipelines'],
    queryFn: ({ pageParam }) => apiGet<Page<Pipeline>>('/pipelines', { limit: 50, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = pipelines.data?.pages.flatMap((p) => p.items) ?? [];
  const ids = items.map((p) => p.id);
  // One call for the whole page's last runs and success rates.
  const summaries = useQuery({
    queryKey: ['pipeline-summaries', ids],
    queryFn: () => apiGet<Page<PipelineSummary>>('/pipeline-summaries', { ids: ids.slice(0, 200).join(',') }),
    enabled: ids.length > 0,
  });
  const byId = new Map(summaries.data?.items.map((s) => [s.pipeline_id, s]));
  const toggle = useMutation({
    mutationFn: (p: Pipeline) => apiPost<Pipeline>(`/pipelines/${p.id}/${p.enabled ? 'disable' : 'enable'}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['pipelines'] }),
  });

  return (
    <>
      <h1>Pipelines</h1>
      <ErrorBox error={pipelines.error ?? toggle.error} />
      {pipelines.isPending ? (
        <Loading what="pipelines" />
      ) : items.length === 0 ? (
        <Empty>
          No pipelines yet. Create one with <code>mockforge pipelines create file.yaml</code> or <code>POST /api/v1/pipelines</code>.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Pipelines with their last run and success rate</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-sm">Workspace</th>
                <th scope="col">Enabled</th>
                <th scope="col">Last run</th>
                <th scope="col" className="num">Success</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => {
                const s = byId.get(p.id);
                return (
                  <tr key={p.id} data-pipeline={p.name}>
                    <td>
                      <Link href={`/pipelines/${p.id}`}>{p.name}</Link>
                      <div className="muted small">
                        r{p.revision} · {(p.definition.triggers ?? []).map((t) => t.event).join(', ')}
                      </div>
                    </td>
                    <td>{s?.last_run ? <StatusBadge status={s.last_run.status} /> : <span className="muted">never ran</span>}</td>
                    <td className="hide-sm">{p.workspace_id ?? <span className="muted">global</span>}</td>
                    <td>
                      <button
                        type="button"
                        role="switch"
                        aria-checked={p.enabled}
                        aria-label={`${p.name} enabled`}
                        className={`switch ${p.enabled ? 'on' : ''}`}
                        disabled={toggle.isPending}
                        onClick={() => toggle.mutate(p)}
                      >
                        <span className="switch-knob" aria-hidden="true" />
                        <span className="switch-text">{p.enabled ? 'on' : 'off'}</span>
                      </button>
                    </td>
                    <td>{s?.last_run ? <Link href={`/executions/${s.last_run.id}`}><Time iso={s.last_run.queued_at} /></Link> : '—'}</td>
                    <td className="num" title={s ? `${s.counts.succeeded ?? 0} succeeded, ${s.counts.failed ?? 0} failed of ${s.total}` : undefined}>
                      {formatRate(s?.success_rate)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {pipelines.hasNextPage && (
        <button type="button" onClick={() => pipelines.fetchNextPage()} disabled={pipelines.isFetchingNextPage}>
          Load more
        </button>
      )}
    </>
  );
}
