/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * An incremental text/event-stream parser (the WHATWG rules that matter here): feed it decoded text as
 * it arrives; it calls `onEvent` for every complete event. Comment lines (`: heartbeat`) are skipped;
 * `data` lines of one event are joined with newlines; an event without `event:` is a `message`.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): { push(chunk: string): void } {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const dispatch = () => {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
    data = [];
    event = '';
  };
  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  return {
    push(chunk: string) {
      buffer += chunk;
      let at: number;
      while ((at = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const sep = buffer[at] === '\r' && buffer[at + 1] === '\n' ? 2 : 1;
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (buffer[at] === '\r' && at === buffer.length - 1) break;
        line(buffer.slice(0, at));
        buffer = buffer.slice(at + sep);
      }
    },
  };
}
