import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createSseParser } from '../lib/sse-parser';
import { authHeaders } from './client';
import type { ExecutionChange } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';

type Listener = (change: ExecutionChange) => void;
const listeners = new Set<Listener>();

/** Subscribes a component to the live notices (e.g. the executions list refetching its filtered view). */
export function onExecutionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Keeps one connection to `GET /api/v1/executions/live` (fetch + a stream reader, so the key travels in
 * the Authorization header, never in a URL) and reconnects with backoff. Each notice refetches the
 * execution it names and marks lists stale; the pages refetch what they show. No polling.
 */
export function useLiveFeed(enabled: boolean): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let controller: AbortController | null = null;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending = false;
    // Lists are refetched at most every 300 ms however many notices arrive.
    const refreshLists = () => {
      if (pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        void queryClient.invalidateQueries({ queryKey: ['executions'] });
        void queryClient.invalidateQueries({ queryKey: ['pipeline-summaries'] });
        void queryClient.invalidateQueries({ queryKey: ['promotions'] });
        void queryClient.invalidateQueries({ queryKey: ['stats'] });
      }, 300);
    };
    const connect = async () => {
      controller = new AbortController();
      setState('connecting');
      try {
        const res = await fetch('/api/v1/executions/live', { headers: { Accept: 'text/event-stream', ...authHeaders() }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`live feed answered ${res.status}`);
        const parser = createSseParser((event) => {
          if (event.event === 'ready') {
            retry = 0;
            setState('live');
            // Whatever changed while we were away.
            refreshLists();
            return;
          }
          if (event.event !== 'execution') return;
          const change = JSON.parse(event.data) as ExecutionChange;
          void queryClient.invalidateQueries({ queryKey: ['execution', change.execution_id] });
          refreshLists();
          for (const listener of listeners) listener(change);
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
        }
        throw new Error('live feed closed');
      } catch {
        if (stopped) return;
        setState('offline');
        retry = Math.min(retry + 1, 6);
        timer = setTimeout(() => void connect(), 500 * 2 ** retry);
      }
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    };
  }, [enabled, queryClient]);

  return enabled ? state : 'offline';
}
