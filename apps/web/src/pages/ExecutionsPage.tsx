import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import { apiGet } from '../api/client';
import type { EventType, Execution, Page, Pipeline } from '../api/types';
import { Empty, ErrorBox, Loading, StatusBadge, Time } from '../components/ui';
import { EXECUTION_STATUSES, filtersFromSearch, filtersToSearch, type ExecutionFilters } from '../lib/filters';
import { formatDuration, shortId } from '../lib/format';

export function ExecutionsPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = filtersFromSearch(search);
  const set = (key: keyof ExecutionFilters, value: string) => {
    const qs = filtersToSearch({ ...filters, [key]: value });
    navigate(qs ? `/executions?${qs}` : '/executions', { replace: true });
  };
  const pipelines = useQuery({ queryKey: ['pipelines', 'options'], queryFn: () => apiGet<Page<Pipeline>>('/pipelines', { limit: 200 }) });
  const eventTypes = useQuery({ queryKey: ['event-types'], queryFn: () => apiGet<Page<EventType>>('/event-types'), staleTime: Infinity });

  return (
    <>
      <h1>Executions</h1>
      <form className="filters" role="search" aria-label="Filter executions" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {EXECUTION_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Pipeline
          <select value={filters.pipeline_id ?? ''} onChange={(e) => set('pipeline_id', e.target.value)}>
            <option value="">any</option>
            {pipelines.data?.items.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workspace
          <input
            defaultValue={filters.workspace_id ?? ''}
            placeholder="any"
            onBlur={(e) => set('workspace_id', e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && set('workspace_id', e.currentTarget.value)}
          />
        </label>
        <label>
          Event type
          <input
            list="event-type-options"
            defaultValue={filters.event_type ?? ''}
            placeholder="any"
            onBlur={(e) => set('event_type', e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && set('event_type', e.currentTarget.value)}
          />
          <datalist id="event-type-options">
            {eventTypes.data?.items.map((t) => (
              <option key={t.type} value={t.type} />
            ))}
          </datalist>
        </label>
      </form>
      <ExecutionsTable filters={filters} />
    </>
  );
}

/** Executions newest first; refreshed by the live feed (it marks ['executions'] stale on every notice). */
export function ExecutionsTable({ filters, hidePipeline }: { filters: ExecutionFilters; hidePipeline?: boolean }) {
  const list = useInfiniteQuery({
    queryKey: ['executions', filters],
    queryFn: ({ pageParam }) => apiGet<Page<Execution>>('/executions', { ...filters, limit: 50, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  if (list.isPending) return <Loading what="executions" />;
  return (
    <>
      <ErrorBox error={list.error} />
      {items.length === 0 ? (
        <Empty>No executions match. Publish an event to start one.</Empty>
      ) : (
        <div className="table-wrap">
          <table aria-live="polite" aria-relevant="additions text">
            <caption className="sr-only">Executions, newest first, updated live</caption>
            <thead>
              <tr>
                <th scope="col">Execution</th>
                <th scope="col">Status</th>
                {!hidePipeline && <th scope="col">Pipeline</th>}
                <th scope="col" className="hide-sm">Event</th>
                <th scope="col" className="hide-sm">Workspace</th>
                <th scope="col">Queued</th>
                <th scope="col" className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-execution={e.id} data-status={e.status}>
                  <td>
                    <Link href={`/executions/${e.id}`} aria-label={`Execution ${e.id}`}>
                      <code>{shortId(e.id)}</code>
                    </Link>
                    {e.run_attempt > 1 && <span className="muted small"> · run {e.run_attempt}</span>}
                  </td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  {!hidePipeline && (
                    <td>
                      <Link href={`/pipelines/${e.pipeline_id}`}>{e.pipeline_name ?? shortId(e.pipeline_id)}</Link>
                    </td>
                  )}
                  <td className="hide-sm">{e.event_type}</td>
                  <td className="hide-sm">{e.workspace_id ?? <span className="muted">—</span>}</td>
                  <td>
                    <Time iso={e.queued_at} />
                  </td>
                  <td className="num">{formatDuration(e.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Load more
        </button>
      )}
    </>
  );
}
