import { createSseParser, type SseEvent } from './sse-parser';

describe('createSseParser', () => {
  const parse = (chunks: string[]) => {
    const events: SseEvent[] = [];
    const parser = createSseParser((e) => events.push(e));
    chunks.forEach((c) => parser.push(c));
    return events;
  };

  it('reads events split anywhere across chunks, skipping comments (heartbeats)', () => {
    const wire = 'retry: 3000\nevent: ready\ndata: {}\n\n: heartbeat\n\nevent: execution\ndata: {"execution_id":"e-1","status":"running"}\n\n';
    const whole = parse([wire]);
    expect(whole).toEqual([
      { event: 'ready', data: '{}' },
      { event: 'execution', data: '{"execution_id":"e-1","status":"running"}' },
    ]);
    for (let cut = 1; cut < wire.length; cut += 7) expect(parse([wire.slice(0, cut), wire.slice(cut)])).toEqual(whole);
  });

  it('joins multi-line data, accepts CRLF and CR line ends, and defaults the event name', () => {
    expect(parse(['data: a\r\ndata:b\r', '\n\r\n', 'data: c\r\r\n'])).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
    ]);
  });

  it('waits for the blank line before dispatching', () => {
    expect(parse(['event: execution\ndata: {}\n'])).toEqual([]);
  });
});
