// Numbers for the step-path tables: percentiles, and what the probe's Postgres/Redis counts mean
// (which statement is which round trip of the step path, which transaction belongs to the matcher).
import type { ProbeStats } from './harness';

export interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function dist(values: number[]): Dist {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

export const round = (v: number, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN);

/** The step path's statements, by what they do (text as the probe normalises it: no schema, no quotes). */
const LABELS: [RegExp, string][] = [
  [/^START TRANSACTION/i, 'START TRANSACTION'],
  [/^BEGIN/i, 'BEGIN'],
  [/^COMMIT/i, 'COMMIT'],
  [/^ROLLBACK/i, 'ROLLBACK'],
  [/^WITH m AS \( SELECT \* FROM unnest\(.*INSERT INTO executions /, 'matcher: insert executions (unnest)'],
  [/^INSERT INTO executions /, 'matcher: insert executions (unnest)'],
  [/^INSERT INTO step_runs /, 'matcher: insert step runs (unnest)'],
  [/^SELECT e\.\* FROM executions e JOIN unnest|^SELECT false AS created_now, e\.\* FROM execution_keys k/, 'matcher: find existing executions'],
  // The matcher reloads its index on a timer (MOCKOPS_MATCHER_RELOAD_MS) and when it is behind a
  // pipeline change; neither happens per batch in these runs (no pipeline changes during a burst).
  [/FROM pipelines p JOIN pipeline_revisions r/, 'background: matcher index reload'],
  [/^SELECT \* FROM executions WHERE id = ANY/, 'load execution row'],
  [/^SELECT \* FROM step_runs WHERE execution_id = ANY/, 'load step runs'],
  [/^SELECT \* FROM pipeline_revisions WHERE id/, 'load revision (cache miss)'],
  // With the job's createdAt the claim also names the month partition (AND created_at >= $5 AND created_at < $6).
  [/^WITH e AS \( SELECT \* FROM executions WHERE id = \$1( AND created_at >= \$5::timestamptz AND created_at < \$6::timestamptz)? FOR UPDATE \)/, 'claim and load (one statement)'],
  [/^WITH d AS \( UPDATE step_runs SET status = 'succeeded'/, 'complete (+ skips, finish) (one statement)'],
  [/^WITH d AS \( UPDATE step_runs SET status = 'failed'/, 'fail for good (+ skips, finish) (one statement)'],
  [/^SELECT status FROM executions WHERE id = \$1 FOR UPDATE/, 'claim: lock execution row'],
  [/^UPDATE step_runs SET status = 'running'/, 'claim: step run pending → running'],
  [/^UPDATE executions SET status = 'running'/, 'claim: execution → running'],
  [/^UPDATE step_runs SET lease_expires_at/, 'renew lease'],
  [/^UPDATE step_runs SET status = 'succeeded'/, 'complete step run'],
  [/^UPDATE step_runs SET status = 'skipped'/, 'skip step runs'],
  [/^UPDATE executions SET status = \$2, error = \$3, finished_at/, 'finish execution'],
  [/lease_expires_at < now\(\) - /, 'background: reconciler scan'],
  // Timers of language v2 (every process): due debounce bursts, concurrency groups left without a holder.
  [/FROM debounce_bursts|^UPDATE debounce_bursts SET claimed_until/, 'background: debounce timer'],
  [/^SELECT DISTINCT w\.concurrency_key|^SELECT id FROM executions WHERE concurrency_key IS NOT NULL/, 'background: concurrency sweep'],
  [/^SELECT 1$|^SELECT version\(\)|^SHOW /i, 'background: probe'],
  // The metrics' shared-state sampler (executions by status), on its own timer.
  [/^SELECT status, count\(\*\)::int AS n FROM executions GROUP BY status/, 'background: metrics sampler'],
];

export function labelOf(statement: string): string {
  for (const [re, label] of LABELS) if (re.test(statement)) return label;
  return `other: ${statement.slice(0, 70)}`;
}

export type TxOwner = 'matcher' | 'worker' | 'background';

/** A transaction shape (statements joined by " ; ") belongs to the matcher, a worker, or the background. */
export function ownerOfTx(shape: string): TxOwner {
  const labels = shape.split(' ; ').map(labelOf);
  if (labels.some((l) => l.startsWith('matcher:'))) return 'matcher';
  if (labels.some((l) => l.startsWith('background:'))) return 'background';
  return 'worker';
}

export interface PgCost {
  tx: number;
  matcherTx: number;
  workerTx: number;
  backgroundTx: number;
  /** Transactions that inserted executions: one per matcher batch that matched something. */
  batches: number;
  /** Statements (BEGIN/COMMIT included) issued by the step path (not matcher, not background). */
  workerStatements: number;
  statements: number;
}

export function pgCost(stats: ProbeStats): PgCost {
  const out: PgCost = { tx: stats.pg.txCount, matcherTx: 0, workerTx: 0, backgroundTx: 0, batches: 0, workerStatements: 0, statements: 0 };
  for (const [shape, n] of Object.entries(stats.pg.transactions)) {
    const owner = ownerOfTx(shape);
    if (owner === 'matcher') out.matcherTx += n;
    else if (owner === 'background') out.backgroundTx += n;
    else {
      out.workerTx += n;
      out.workerStatements += n * shape.split(' ; ').length;
    }
    if (shape.split(' ; ').some((s) => labelOf(s) === 'matcher: insert executions (unnest)')) out.batches += n;
  }
  for (const s of Object.values(stats.pg.statements)) out.statements += s.calls;
  return out;
}

/** Redis commands the benchmark itself sends to measure (left out of every count). */
const MEASURING = new Set(['info', 'monitor', 'config', 'ping', 'client', 'select', 'hello']);

export function redisCalls(stats: ProbeStats | undefined): Map<string, { calls: number; ms: number }> {
  const out = new Map<string, { calls: number; ms: number }>();
  for (const [name, v] of Object.entries(stats?.redis.commands ?? {})) {
    if (MEASURING.has(name.split(' ')[0])) continue;
    out.set(name, v);
  }
  return out;
}

export function sumCalls(m: Map<string, { calls: number }>): number {
  let n = 0;
  for (const v of m.values()) n += v.calls;
  return n;
}

export function addCalls(...maps: Map<string, { calls: number; ms: number }>[]): Map<string, { calls: number; ms: number }> {
  const out = new Map<string, { calls: number; ms: number }>();
  for (const m of maps) {
    for (const [k, v] of m) {
      const o = out.get(k) ?? { calls: 0, ms: 0 };
      out.set(k, { calls: o.calls + v.calls, ms: o.ms + v.ms });
    }
  }
  return out;
}

/** The counts of several processes together (the six apps of a split deployment). */
export function mergeStats(list: ProbeStats[]): ProbeStats {
  const out: ProbeStats = { since: 0, until: 0, pg: { pool: { acquires: 0, ms: 0 }, txCount: 0, statements: {}, transactions: {} }, redis: { commands: {} }, scripts: {} };
  for (const s of list) {
    out.pg.txCount += s.pg.txCount;
    out.pg.pool.acquires += s.pg.pool.acquires;
    out.pg.pool.ms += s.pg.pool.ms;
    for (const [k, v] of Object.entries(s.pg.statements)) {
      const o = out.pg.statements[k] ?? { calls: 0, ms: 0, inTx: 0, errors: 0 };
      out.pg.statements[k] = { calls: o.calls + v.calls, ms: o.ms + v.ms, inTx: o.inTx + v.inTx, errors: o.errors + v.errors };
    }
    for (const [k, v] of Object.entries(s.pg.transactions)) out.pg.transactions[k] = (out.pg.transactions[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.redis.commands)) {
      const o = out.redis.commands[k] ?? { calls: 0, ms: 0 };
      out.redis.commands[k] = { calls: o.calls + v.calls, ms: o.ms + v.ms };
    }
    Object.assign(out.scripts, s.scripts);
  }
  return out;
}
