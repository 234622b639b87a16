/**
 * The execution page's step timeline: for each step, bars on one time axis for the time it waited in
 * the queue, each attempt it ran, the backoff between attempts and a wait for approval. Computed
 * from what the API records: the step's start/finish times and its logs, whose first line of every
 * attempt is "attempt N/M on <worker>" and whose failed attempts end with an "error" line.
 */

export interface TimelineStep {
  name: string;
  status: string;
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  logs: { at: string; attempt: number; message: string }[];
}

export interface TimelineExecution {
  status: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  steps: TimelineStep[];
}

export type SegmentKind = 'queued' | 'running' | 'failed-attempt' | 'backoff' | 'waiting';

export interface Segment {
  kind: SegmentKind;
  /** Milliseconds from the start of the axis. */
  from: number;
  to: number;
  /** Percent of the axis, for CSS. */
  left: number;
  width: number;
  attempt?: number;
  label: string;
}

export interface TimelineRow {
  name: string;
  status: string;
  segments: Segment[];
  /** Queue wait and run time of the step, in ms (null when it did not happen). */
  waitMs: number | null;
  runMs: number | null;
  retries: number;
}

export interface TimelineLayout {
  startAt: number;
  spanMs: number;
  rows: TimelineRow[];
  ticks: { at: number; left: number; label: string }[];
}

const ACTIVE = ['queued', 'running', 'waiting'];

function ms(iso: string | null | undefined): number | null {
  if (!iso || iso === 'infinity') return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** A "nice" tick spacing (1, 2, 5 × 10^k ms) giving about `count` ticks over the span. */
export function tickStep(spanMs: number, count = 5): number {
  const raw = Math.max(spanMs, 1) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10;
  return unit * pow;
}

export function tickLabel(offsetMs: number, step: number): string {
  if (offsetMs === 0) return '0';
  if (step < 1000) return offsetMs >= 1000 && offsetMs % 1000 === 0 ? `${offsetMs / 1000}s` : `${offsetMs}ms`;
  if (step < 60_000) return `${+(offsetMs / 1000).toFixed(step < 10_000 && step % 1000 ? 1 : 0)}s`;
  return `${+(offsetMs / 60_000).toFixed(step % 60_000 ? 1 : 0)}m`;
}

interface Attempt {
  attempt: number;
  start: number;
  end: number | null;
  failed: boolean;
  waitingSince: number | null;
}

/** Attempts of this run (logs of earlier runs are kept by a re-run; they are older than the run's queue time). */
function attemptsOf(step: TimelineStep, runStart: number): Attempt[] {
  const byAttempt = new Map<number, { at: number; message: string }[]>();
  for (const log of step.logs) {
    const at = ms(log.at);
    if (at === null || at < runStart) continue;
    const list = byAttempt.get(log.attempt) ?? [];
    list.push({ at, message: log.message });
    byAttempt.set(log.attempt, list);
  }
  return [...byAttempt.entries()]
    .sort(([a], [b]) => a - b)
    .map(([attempt, logs]) => {
      logs.sort((a, b) => a.at - b.at);
      const last = logs[logs.length - 1];
      const failed = /^error\b/.test(last.message);
      const waiting = logs.find((l) => l.message.startsWith('waiting for '));
      return { attempt, start: logs[0].at, end: failed ? last.at : null, failed, waitingSince: waiting?.at ?? null };
    });
}

export function layoutTimeline(execution: TimelineExecution, now: number = Date.now()): TimelineLayout {
  const startAt = ms(execution.queued_at) ?? now;
  const active = ACTIVE.includes(execution.status);
  let endAt = ms(execution.finished_at) ?? (active ? now : startAt);
  const rows: Omit<TimelineRow, 'segments'>[] = [];
  const raw: { kind: SegmentKind; from: number; to: number; attempt?: number; label: string }[][] = [];
  let previousEnd = startAt;

  for (const step of execution.steps) {
    const segments: { kind: SegmentKind; from: number; to: number; attempt?: number; label: string }[] = [];
    const started = ms(step.started_at);
    const finished = ms(step.finished_at);
    const readyAt = previousEnd;
    const attempts = attemptsOf(step, startAt);
    const firstStart = attempts[0]?.start ?? started;
    let waitMs: number | null = null;
    let runMs: number | null = null;

    if (firstStart !== null) {
      if (firstStart > readyAt) segments.push({ kind: 'queued', from: readyAt, to: firstStart, label: 'in queue' });
      waitMs = Math.max(0, firstStart - readyAt);
      if (attempts.length === 0) {
        const to = finished ?? (active ? now : firstStart);
        segments.push({ kind: 'running', from: firstStart, to, label: 'running' });
      }
      attempts.forEach((a, i) => {
        const next = attempts[i + 1];
        const isLast = !next;
        const end = a.end ?? (isLast ? (a.waitingSince ?? finished ?? (active ? now : a.start)) : next.start);
        segments.push({ kind: a.failed && (!isLast || step.status !== 'running') ? 'failed-attempt' : 'running', from: a.start, to: end, attempt: a.attempt, label: `attempt ${a.attempt}${a.failed ? ' failed' : ''}` });
        if (isLast && a.waitingSince !== null) {
          const to = finished ?? (active ? now : a.waitingSince);
          segments.push({ kind: 'waiting', from: a.waitingSince, to, attempt: a.attempt, label: 'waiting for approval' });
        }
        if (next && next.start > end) segments.push({ kind: 'backoff', from: end, to: next.start, label: `backoff before attempt ${next.attempt}` });
        // Failed, another attempt to come: backing off right now.
        if (isLast && a.failed && step.status === 'pending' && active) segments.push({ kind: 'backoff', from: end, to: now, label: `backoff before attempt ${a.attempt + 1}` });
      });
      const runEnd = finished ?? (active && step.status === 'running' ? now : null);
      runMs = runEnd !== null ? Math.max(0, runEnd - firstStart) : null;
    } else if (step.status === 'pending' && active && isNextPending(execution.steps, step)) {
      // Ready but not picked up yet: it is waiting in the queue right now.
      segments.push({ kind: 'queued', from: readyAt, to: now, label: 'in queue' });
      waitMs = now - readyAt;
    }
    const stepEnd = Math.max(readyAt, ...segments.map((s) => s.to), finished ?? 0);
    if (finished !== null || segments.length) previousEnd = stepEnd;
    endAt = Math.max(endAt, stepEnd);
    rows.push({ name: step.name, status: step.status, waitMs, runMs, retries: Math.max(0, attempts.length - 1) });
    raw.push(segments);
  }

  const spanMs = Math.max(endAt - startAt, 1);
  const place = (t: number) => Math.min(100, Math.max(0, ((t - startAt) / spanMs) * 100));
  const step = tickStep(spanMs);
  const ticks: TimelineLayout['ticks'] = [];
  for (let t = 0; t <= spanMs + 1e-9; t += step) ticks.push({ at: t, left: place(startAt + t), label: tickLabel(t, step) });
  return {
    startAt,
    spanMs,
    ticks,
    rows: rows.map((r, i) => ({
      ...r,
      segments: raw[i].map((s) => ({ ...s, from: s.from - startAt, to: s.to - startAt, left: place(s.from), width: Math.max(place(s.to) - place(s.from), 0) })),
    })),
  };
}

/** The first pending step after only finished ones: the one the queue holds now. */
function isNextPending(steps: TimelineStep[], step: TimelineStep): boolean {
  for (const s of steps) {
    if (s === step) return true;
    if (!['succeeded', 'skipped', 'failed'].includes(s.status)) return false;
  }
  return false;
}
