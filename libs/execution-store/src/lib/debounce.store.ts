import type { DataSource } from 'typeorm';
import { compareOrder, debounceDecision, type DebounceConfig, type DebounceState, type EventEnvelope } from '@mockops/pipeline-core';
import { type Row, SqlRunner, UUID_RE, idOrNull, tableNames } from './sql';

/** An event a debounced trigger matched. */
export interface DebouncedArrival {
  /** pipeline-core `debounceKey` (pipeline, trigger, event workspace, rendered key). */
  key: string;
  pipelineId: string;
  triggerIndex: number;
  event: EventEnvelope;
  /** The stream entry's `[ms, seq]`: the burst keeps the last event in this order. */
  order: number[];
  /**
   * When the event reached the stream (ms, the stream's clock: its entry id). Bursts are timed on
   * it, not on when a matcher got to the event, so events a stopped matcher left on the stream join
   * the burst they arrived in.
   */
  at: number;
  config: DebounceConfig;
}

/** A burst whose quiet period is over, claimed by one matcher to start its execution. */
export interface DueBurst {
  id: string;
  key: string;
  pipelineId: string;
  triggerIndex: number;
  /** The burst's last event: the execution's event. */
  event: EventEnvelope;
  order: number[];
  count: number;
}

/**
 * Debounce bursts in Postgres (docs/language.md "Debounce"), so they survive a matcher restart and
 * any replica can fire them: one row per burst with its last event and due time. An event extends
 * the key's open burst (pipeline-core `debounceDecision`) under an advisory lock on the key and a
 * row lock; a due burst is claimed with a compare-and-set (`claimDueBursts`), its execution created
 * (unique per pipeline and event, so a second claim after a crash creates nothing), then it is marked
 * fired. A burst is timed on its events' arrival on the stream (their entry ids: one clock for every
 * replica) and fires only once every entry that arrived before its due time has been handled
 * (`claimDueBursts`' watermark), so a matcher that stopped mid-burst cannot split it.
 */
export class DebounceStore {
  private readonly t: { bursts: string };

  private readonly db: SqlRunner;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    this.t = tableNames(ds, { bursts: 'debounce_bursts' });
  }

  /**
   * Adds an event to its key's burst: extends the open one (the quiet period restarts, capped by
   * max_wait; the event becomes the burst's last) or opens a new one. An event not newer on the
   * stream than the key's latest burst's last event is a redelivery and changes nothing.
   */
  async addToBurst(a: DebouncedArrival): Promise<{ outcome: 'opened' | 'extended' | 'duplicate'; fireAt: number }> {
    const { bursts } = this.t;
    return this.db.tx(async (sql) => {
      await sql(`SELECT pg_advisory_xact_lock(hashtextextended($1, 20251130))`, [`debounce:${a.key}`]);
      const [latest] = await sql(
        `SELECT *, (extract(epoch FROM first_at) * 1000)::float8 AS first_ms, (extract(epoch FROM last_at) * 1000)::float8 AS last_ms,
           (extract(epoch FROM fire_at) * 1000)::float8 AS fire_ms
         FROM ${bursts} WHERE key = $1 ORDER BY first_at DESC, id DESC LIMIT 1 FOR UPDATE`,
        [a.key],
      );
      if (latest && compareOrder(a.order, orderOf(latest)) <= 0) return { outcome: 'duplicate', fireAt: Number(latest.fire_ms) };
      const open = latest && !latest.fired_at && !latest.claimed_until && a.at < Number(latest.fire_ms);
      const decision = debounceDecision(open ? stateOf(latest) : null, a.event, a.at, a.config);
      const s = decision.state;
      if (open) {
        await sql(
          `UPDATE ${bursts} SET event = $2::json, event_order = $3::bigint[], count = $4, last_at = to_timestamp($5 / 1000.0), fire_at = to_timestamp($6 / 1000.0)
           WHERE id = $1`,
          [latest.id, JSON.stringify(a.event), a.order, s.count, s.lastAt, s.fireAt],
        );
        return { outcome: 'extended', fireAt: s.fireAt };
      }
      await sql(
        `INSERT INTO ${bursts} (key, pipeline_id, trigger_index, event, event_order, count, first_at, last_at, fire_at)
         VALUES ($1, $2, $3, $4::json, $5::bigint[], $6, to_timestamp($7 / 1000.0), to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0))`,
        [a.key, a.pipelineId, a.triggerIndex, JSON.stringify(a.event), a.order, s.count, s.firstAt, s.lastAt, s.fireAt],
      );
      return { outcome: 'opened', fireAt: s.fireAt };
    });
  }

  /**
   * Claims bursts due at or before `watermark` (ms, the stream's clock: the time up to which every
   * entry of the stream has been handled) with a compare-and-set and a lease: no other replica gets
   * them until the lease runs out, which only happens when this one died before marking them fired.
   */
  async claimDueBursts(leaseMs: number, watermark: number, limit = 100): Promise<DueBurst[]> {
    const { bursts } = this.t;
    const rows = await this.db.sql(
      `UPDATE ${bursts} SET claimed_until = clock_timestamp() + $1::float8 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM ${bursts}
         WHERE fired_at IS NULL AND fire_at <= to_timestamp($3 / 1000.0) AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY fire_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, key, pipeline_id, trigger_index, event, event_order, count`,
      [leaseMs, limit, watermark],
    );
    return rows.map((r) => ({
      id: r.id,
      key: r.key,
      pipelineId: r.pipeline_id,
      triggerIndex: r.trigger_index,
      event: r.event,
      order: orderOf(r),
      count: r.count,
    }));
  }

  /** When the next unfired, unclaimed burst is due (ms), or null: the cheap check before a claim. */
  async nextBurstDue(): Promise<number | null> {
    const [row] = await this.db.sql(
      `SELECT (extract(epoch FROM min(fire_at)) * 1000)::float8 AS due FROM ${this.t.bursts}
       WHERE fired_at IS NULL AND (claimed_until IS NULL OR claimed_until < clock_timestamp())`,
    );
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }

  /** The burst started its execution (or was dropped: `executionId` null). Kept a day to recognise redeliveries. */
  async markBurstFired(id: string, executionId: string | null): Promise<boolean> {
    const rows = await this.db.sql(`UPDATE ${this.t.bursts} SET fired_at = now(), execution_id = $2 WHERE id = $1 AND fired_at IS NULL RETURNING id`, [
      idOrNull(id),
      executionId && UUID_RE.test(executionId) ? executionId : null,
    ]);
    return rows.length > 0;
  }

  /** Forgets bursts fired more than `olderThanMs` ago. */
  async pruneFiredBursts(olderThanMs: number): Promise<number> {
    const rows = await this.db.sql(`DELETE FROM ${this.t.bursts} WHERE fired_at < now() - $1::float8 * interval '1 millisecond' RETURNING id`, [olderThanMs]);
    return rows.length;
  }

  /** The bursts of a pipeline not fired yet (API, tests). */
  async openBursts(pipelineId: string): Promise<{ key: string; count: number; eventId: string; fireAt: string }[]> {
    const rows = await this.db.sql(`SELECT key, count, event, fire_at FROM ${this.t.bursts} WHERE pipeline_id = $1 AND fired_at IS NULL ORDER BY first_at`, [
      idOrNull(pipelineId),
    ]);
    return rows.map((r) => ({ key: r.key, count: r.count, eventId: (r.event as EventEnvelope).id, fireAt: new Date(r.fire_at).toISOString() }));
  }
}

function orderOf(r: Row): number[] {
  return ((r.event_order as (string | number)[] | null) ?? []).map(Number);
}

function stateOf(r: Row): DebounceState {
  return { firstAt: Number(r.first_ms), lastAt: Number(r.last_ms), event: r.event, count: r.count, fireAt: Number(r.fire_ms) };
}
