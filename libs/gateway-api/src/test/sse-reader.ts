/** One server-sent event as read off the wire (comments are kept, as `comment`, for heartbeat checks). */
export interface SseFrame {
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * Reads a text/event-stream with fetch, as the web app does (the key in a header, not in a URL).
 * `next(predicate)` waits for the first frame received so far or later that matches.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const pump = (async () => {
    if (!res.body || res.status !== 200) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) frames.push({ comment: line.slice(1).trim() });
        }
        const fields = block.split('\n').filter((l) => !l.startsWith(':'));
        if (fields.length) {
          const frame: SseFrame = {};
          for (const l of fields) {
            const i = l.indexOf(':');
            const key = i < 0 ? l : l.slice(0, i);
            const v = i < 0 ? '' : l.slice(i + 1).replace(/^ /, '');
            if (key === 'event') frame.event = v;
            if (key === 'data') frame.data = frame.data === undefined ? v : `${frame.data}\n${v}`;
          }
          if (frame.event || frame.data !== undefined) frames.push(frame);
        }
        for (const wake of [...waiters]) wake();
      }
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: res.status === 200 ? '' : await res.text(),
    frames,
    /** Data of `execution` events, parsed. */
    changes: () => frames.filter((f) => f.event === 'execution').map((f) => JSON.parse(f.data ?? '{}') as Record<string, unknown>),
    next(match: (f: SseFrame) => boolean, timeoutMs = 5000): Promise<SseFrame> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(match);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      controller.abort();
      await pump.catch(() => undefined);
    },
  };
}
