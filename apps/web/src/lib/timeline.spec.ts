import { layoutTimeline, tickStep, type TimelineExecution, type TimelineStep } from './timeline';

const T0 = Date.parse('2026-11-24T05:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(name: string, overrides: Partial<TimelineStep> = {}): TimelineStep {
  return { name, status: 'pending', attempts: 0, max_attempts: 3, started_at: null, finished_at: null, logs: [], ...overrides };
}

describe('layoutTimeline', () => {
  it('shows each step’s queue wait and run time on one axis from the execution’s queue time', () => {
    const execution: TimelineExecution = {
      status: 'succeeded',
      queued_at: at(0),
      started_at: at(100),
      finished_at: at(1000),
      steps: [
        step('promote', { status: 'succeeded', attempts: 1, started_at: at(100), finished_at: at(400), logs: [{ at: at(100), attempt: 1, message: 'attempt 1/3 on w' }] }),
        step('notify', { status: 'succeeded', attempts: 1, started_at: at(500), finished_at: at(1000), logs: [{ at: at(500), attempt: 1, message: 'attempt 1/5 on w' }] }),
      ],
    };
    const layout = layoutTimeline(execution, T0 + 5000);
    expect(layout.spanMs).toBe(1000);
    expect(layout.rows.map((r) => ({ name: r.name, wait: r.waitMs, run: r.runMs }))).toEqual([
      { name: 'promote', wait: 100, run: 300 },
      { name: 'notify', wait: 100, run: 500 },
    ]);
    expect(layout.rows[1].segments).toEqual([
      expect.objectContaining({ kind: 'queued', from: 400, to: 500, left: 40, width: 10 }),
      expect.objectContaining({ kind: 'running', from: 500, to: 1000, left: 50, width: 50, attempt: 1 }),
    ]);
    expect(layout.ticks.map((t) => t.label)).toEqual(['0', '200ms', '400ms', '600ms', '800ms', '1s']);
  });

  it('makes retries visible: failed attempts and the backoff between them', () => {
    const execution: TimelineExecution = {
      status: 'succeeded',
      queued_at: at(0),
      started_at: at(0),
      finished_at: at(4000),
      steps: [
        step('hook', {
          status: 'succeeded',
          attempts: 2,
          started_at: at(0),
          finished_at: at(4000),
          logs: [
            { at: at(0), attempt: 1, message: 'attempt 1/3 on w' },
            { at: at(200), attempt: 1, message: 'error (will retry): webhook answered 503' },
            { at: at(3000), attempt: 2, message: 'attempt 2/3 on w' },
          ],
        }),
      ],
    };
    const [row] = layoutTimeline(execution).rows;
    expect(row.retries).toBe(1);
    expect(row.segments.map((s) => [s.kind, s.from, s.to])).toEqual([
      ['failed-attempt', 0, 200],
      ['backoff', 200, 3000],
      ['running', 3000, 4000],
    ]);
  });

  it('shows a step parked for approval as waiting until now, and the next one not yet queued', () => {
    const now = T0 + 10_000;
    const execution: TimelineExecution = {
      status: 'waiting',
      queued_at: at(0),
      started_at: at(50),
      finished_at: null,
      steps: [
        step('promote', {
          status: 'running',
          attempts: 1,
          started_at: at(50),
          logs: [
            { at: at(50), attempt: 1, message: 'attempt 1/3 on w' },
            { at: at(150), attempt: 1, message: 'waiting for promotion p-1' },
          ],
        }),
        step('notify'),
      ],
    };
    const layout = layoutTimeline(execution, now);
    expect(layout.rows[0].segments.map((s) => [s.kind, s.from, s.to])).toEqual([
      ['queued', 0, 50],
      ['running', 50, 150],
      ['waiting', 150, 10_000],
    ]);
    expect(layout.rows[1].segments).toEqual([]);
  });

  it('ignores logs of earlier runs after a re-run (their times precede the new queue time)', () => {
    const execution: TimelineExecution = {
      status: 'running',
      queued_at: at(10_000),
      started_at: null,
      finished_at: null,
      steps: [step('hook', { logs: [{ at: at(100), attempt: 1, message: 'error: webhook answered 400' }] })],
    };
    const [row] = layoutTimeline(execution, T0 + 10_500).rows;
    expect(row.segments.map((s) => [s.kind, s.from, s.to])).toEqual([['queued', 0, 500]]);
    expect(row.retries).toBe(0);
  });

  it('picks tick spacings of 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(1000)).toBe(200);
    expect(tickStep(7_300)).toBe(2000);
    expect(tickStep(240_000)).toBe(50_000);
  });
});
