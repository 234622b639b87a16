import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPost } from '../api/client';
import type { DeadLetter, Page } from '../api/types';
import { Empty, ErrorBox, Loading, StatusBadge, Time } from '../components/ui';

function pretty(original: string): string {
  try {
    return JSON.stringify(JSON.parse(original), null, 2);
  } catch {
    return original;
  }
}

export function DeadLettersPage() {
  const list = useInfiniteQuery({
    queryKey: ['dead-letters'],
    queryFn: ({ pageParam }) => apiGet<Page<DeadLetter>>('/dead-letters', { limit: 50, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <h1>Dead letters</h1>
      <p className="muted">Stream entries the matcher could not take (bad JSON, an invalid envelope or payload), with the reason. Fix one and replay it.</p>
      <ErrorBox error={list.error} />
      {list.isPending ? (
        <Loading what="dead letters" />
      ) : items.length === 0 ? (
        <Empty>The dead-letter stream is empty.</Empty>
      ) : (
        <ul className="cards">
          {items.map((d) => (
            <DeadLetterCard key={d.id} entry={d} />
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Load more
        </button>
      )}
    </>
  );
}

function DeadLetterCard({ entry }: { entry: DeadLetter }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(() => pretty(entry.original));
  const [parseError, setParseError] = useState<string | null>(null);
  const replay = useMutation({
    mutationFn: (body: unknown) => apiPost<{ entry_id: string }>(`/dead-letters/${entry.id}/replay`, body),
    onSuccess: () => {
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: ['dead-letters'] });
    },
  });
  const submit = () => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setParseError(`not valid JSON: ${(e as Error).message}`);
      return;
    }
    setParseError(null);
    // Unchanged text: replay the original as it is (no body).
    replay.mutate(text === pretty(entry.original) ? undefined : body);
  };
  const editorId = `dl-${entry.id}`;
  return (
    <li className="card inner" data-dead-letter={entry.id}>
      <p>
        {entry.replayed ? <StatusBadge status="replayed" /> : <StatusBadge status="dead" />} <strong>{entry.reason}</strong>
      </p>
      <p className="muted small">
        entry <code>{entry.id}</code> (was {entry.entry_id ?? '?'} on {entry.stream ?? '?'}) · <Time iso={entry.at} />
        {entry.event_type && <> · {entry.event_type}</>}
        {entry.workspace_id && <> · workspace {entry.workspace_id}</>}
        {entry.replayed && (
          <>
            {' '}
            · replayed as <code>{entry.replayed.entry_id}</code> <Time iso={entry.replayed.at} />
          </>
        )}
      </p>
      {editing ? (
        <>
          <label htmlFor={editorId}>Envelope to replay (edit to correct it)</label>
          <textarea id={editorId} className="code" rows={Math.min(20, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
          {parseError && (
            <p className="error-text" role="alert">
              {parseError}
            </p>
          )}
          <ErrorBox error={replay.error} />
          <div className="toolbar">
            <button type="button" className="primary" disabled={replay.isPending} onClick={submit}>
              Replay
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Close
            </button>
          </div>
        </>
      ) : (
        <>
          <pre className="code" tabIndex={0} aria-label="Original entry">
            {pretty(entry.original)}
          </pre>
          {!entry.replayed && (
            <button type="button" onClick={() => setEditing(true)}>
              Fix and replay…
            </button>
          )}
        </>
      )}
    </li>
  );
}
