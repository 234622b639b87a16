import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type Row, SqlRunner, UUID_RE, isoAt, tableNames } from './sql';
import { StoreError, pgErrorOf } from './store-error';

/** An artifact's metadata (what lists show); timestamps are ISO-8601 strings like the other records. */
export interface ArtifactRecord {
  id: string;
  executionId: string;
  stepName: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface ArtifactWithContent extends ArtifactRecord {
  content: Buffer;
}

export interface NewArtifact {
  executionId: string;
  stepName: string;
  name: string;
  mediaType: string;
  content: Buffer;
}

/** Artifact names appear in URLs and file names: keep them to a safe, readable alphabet. */
export const ARTIFACT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** bytea values travel through the driver in one piece; anything this big belongs in object storage. */
export const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

const META_COLUMNS = 'id, execution_id, step_name, name, media_type, size, sha256, created_at';

/**
 * Files produced by executions (the SDK archive of regenerate_sdk...), in the `artifacts` table of the
 * data source's schema. `put` replaces an artifact of the same name, so a re-run keeps exactly one.
 */
export class ArtifactStore {
  private readonly db: SqlRunner;
  private readonly table: string;

  private readonly executions: string;

  constructor(ds: DataSource) {
    this.db = new SqlRunner(ds);
    ({ artifacts: this.table, executions: this.executions } = tableNames(ds, { artifacts: 'artifacts', executions: 'executions' }));
  }

  /** Stores (or replaces) an artifact; size and sha256 are computed here. Unknown execution: NOT_FOUND. */
  async put(input: NewArtifact): Promise<ArtifactRecord> {
    if (!ARTIFACT_NAME_RE.test(input.name)) {
      throw new StoreError('INVALID', `invalid artifact name "${input.name}": letters, digits, . _ - (at most 100)`);
    }
    if (!UUID_RE.test(input.executionId)) throw new StoreError('NOT_FOUND', `execution ${input.executionId} not found`);
    if (input.content.length > MAX_ARTIFACT_BYTES) {
      throw new StoreError('INVALID', `artifact "${input.name}" is ${input.content.length} bytes; the limit is ${MAX_ARTIFACT_BYTES}`);
    }
    const sha256 = createHash('sha256').update(input.content).digest('hex');
    try {
      const rows = await this.db.sql(
        `INSERT INTO ${this.table} (execution_id, execution_created_at, step_name, name, media_type, size, sha256, content)
         SELECT e.id, e.created_at, $2, $3, $4, $5, $6, $7 FROM ${this.executions} e WHERE e.id = $1
         ON CONFLICT (execution_id, name) DO UPDATE SET
           step_name = EXCLUDED.step_name, media_type = EXCLUDED.media_type, size = EXCLUDED.size,
           sha256 = EXCLUDED.sha256, content = EXCLUDED.content, created_at = now()
         RETURNING ${META_COLUMNS}`,
        [input.executionId, input.stepName, input.name, input.mediaType, input.content.length, sha256, input.content],
      );
      // No row: the execution does not exist (the foreign key's case before executions were partitioned).
      if (!rows[0]) throw new StoreError('NOT_FOUND', `execution ${input.executionId} not found`);
      return toRecord(rows[0]);
    } catch (e) {
      if (pgErrorOf(e).constraint === 'fk_artifacts_execution') throw new StoreError('NOT_FOUND', `execution ${input.executionId} not found`);
      throw e;
    }
  }

  /** Metadata of an execution's artifacts, by name (no content). */
  async list(executionId: string): Promise<ArtifactRecord[]> {
    if (!UUID_RE.test(executionId)) return [];
    const rows = await this.db.sql(`SELECT ${META_COLUMNS} FROM ${this.table} WHERE execution_id = $1 ORDER BY name`, [executionId]);
    return rows.map(toRecord);
  }

  /** Metadata only, or null. */
  async head(executionId: string, name: string): Promise<ArtifactRecord | null> {
    if (!UUID_RE.test(executionId)) return null;
    const rows = await this.db.sql(`SELECT ${META_COLUMNS} FROM ${this.table} WHERE execution_id = $1 AND name = $2`, [executionId, name]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The artifact with its bytes, or null. */
  async get(executionId: string, name: string): Promise<ArtifactWithContent | null> {
    if (!UUID_RE.test(executionId)) return null;
    const rows = await this.db.sql(
      `SELECT ${META_COLUMNS}, content FROM ${this.table} WHERE execution_id = $1 AND name = $2`,
      [executionId, name],
    );
    return rows[0] ? { ...toRecord(rows[0]), content: rows[0].content as Buffer } : null;
  }
}

function toRecord(r: Row): ArtifactRecord {
  return {
    id: r.id,
    executionId: r.execution_id,
    stepName: r.step_name,
    name: r.name,
    mediaType: r.media_type,
    size: Number(r.size),
    sha256: r.sha256,
    createdAt: isoAt(r.created_at),
  };
}
