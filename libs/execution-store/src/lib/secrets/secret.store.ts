import type { DataSource } from 'typeorm';
import { SECRET_NAME_PATTERN, stringProblem } from '@mockops/pipeline-core';
import { SqlRunner, isoAt, tableNames, type Row } from '../sql';
import { StoreError } from '../store-error';
import { SecretDecryptionError, type SecretCipher } from './secret-cipher';

/** A secret as the API shows it: never its value. */
export interface SecretRecord {
  workspaceId: string;
  name: string;
  keyId: string;
  createdAt: string;
  updatedAt: string;
}

/** Largest secret value, in UTF-8 bytes (GitHub Actions allows 48 KB). */
export const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Workspace secrets in Postgres, encrypted at rest. Values go in and come out only through here;
 * nothing lists them. Without a cipher (no MOCKOPS_SECRETS_KEY) the store can list and delete but
 * not store or read values.
 */
export class SecretStore {
  private readonly db: SqlRunner;
  private readonly table: string;

  constructor(
    ds: DataSource,
    private readonly cipher: SecretCipher | null,
  ) {
    this.db = new SqlRunner(ds);
    this.table = tableNames(ds, { secrets: 'workspace_secrets' }).secrets;
  }

  get configured(): boolean {
    return this.cipher !== null;
  }

  /** Creates or replaces a secret; `created` says which. */
  async put(workspaceId: string, name: string, value: string): Promise<{ created: boolean; record: SecretRecord }> {
    checkName(name);
    if (typeof value !== 'string' || value.length === 0) throw new StoreError('INVALID', 'a secret value must be a non-empty string');
    const why = stringProblem(value);
    if (why) throw new StoreError('INVALID', `the secret value ${why}`);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) throw new StoreError('INVALID', `a secret value may hold at most ${MAX_SECRET_BYTES} bytes`);
    const sealed = this.requireCipher().seal(value, { workspaceId, name });
    const [row] = await this.db.sql(
      `INSERT INTO ${this.table} (workspace_id, name, key_id, iv, ciphertext, auth_tag) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, name) DO UPDATE SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, ciphertext = EXCLUDED.ciphertext,
         auth_tag = EXCLUDED.auth_tag, updated_at = now()
       RETURNING workspace_id, name, key_id, created_at, updated_at, (xmax = 0) AS created`,
      [workspaceId, name, sealed.keyId, sealed.iv, sealed.ciphertext, sealed.authTag],
    );
    return { created: Boolean(row.created), record: toRecord(row) };
  }

  async list(workspaceId: string): Promise<SecretRecord[]> {
    const rows = await this.db.sql(`SELECT workspace_id, name, key_id, created_at, updated_at FROM ${this.table} WHERE workspace_id = $1 ORDER BY name`, [workspaceId]);
    return rows.map(toRecord);
  }

  async names(workspaceId: string): Promise<Set<string>> {
    const rows = await this.db.sql(`SELECT name FROM ${this.table} WHERE workspace_id = $1`, [workspaceId]);
    return new Set(rows.map((r) => r.name as string));
  }

  async delete(workspaceId: string, name: string): Promise<boolean> {
    const rows = await this.db.sql(`DELETE FROM ${this.table} WHERE workspace_id = $1 AND name = $2 RETURNING name`, [workspaceId, name]);
    return rows.length > 0;
  }

  /** The decrypted values of the given names that the workspace has (others are left out). */
  async resolve(workspaceId: string, names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    const rows = await this.db.sql(`SELECT * FROM ${this.table} WHERE workspace_id = $1 AND name = ANY($2::text[])`, [workspaceId, [...names]]);
    if (rows.length && !this.cipher) throw new StoreError('UNAVAILABLE', 'workspace secrets cannot be read: MOCKOPS_SECRETS_KEY is not set');
    for (const r of rows) {
      out.set(r.name, this.cipher!.open({ keyId: r.key_id, iv: r.iv, ciphertext: r.ciphertext, authTag: r.auth_tag }, { workspaceId, name: r.name }));
    }
    return out;
  }

  /**
   * Re-encrypts every value not under the active key (after a new key was put first). A value that
   * does not decrypt (its key was dropped, or the row was tampered with) is left as it is and named
   * in `unreadable`, so one bad row does not stop the rotation.
   */
  async rotate(batch = 200): Promise<{ rotated: number; activeKeyId: string; unreadable: string[] }> {
    const cipher = this.requireCipher();
    let rotated = 0;
    const unreadable: string[] = [];
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await this.db.tx(async (sql) => {
        const found = await sql(
          `SELECT * FROM ${this.table} WHERE key_id <> $1 AND (workspace_id, name) > ($2, $3)
           ORDER BY workspace_id, name LIMIT $4 FOR UPDATE SKIP LOCKED`,
          [cipher.activeKeyId, after[0], after[1], batch],
        );
        for (const r of found) {
          const context = { workspaceId: r.workspace_id as string, name: r.name as string };
          let plain: string;
          try {
            plain = cipher.open({ keyId: r.key_id, iv: r.iv, ciphertext: r.ciphertext, authTag: r.auth_tag }, context);
          } catch (e) {
            if (!(e instanceof SecretDecryptionError)) throw e;
            unreadable.push(`${context.workspaceId}/${context.name}`);
            continue;
          }
          const sealed = cipher.seal(plain, context);
          await sql(`UPDATE ${this.table} SET key_id = $3, iv = $4, ciphertext = $5, auth_tag = $6 WHERE workspace_id = $1 AND name = $2`, [
            context.workspaceId,
            context.name,
            sealed.keyId,
            sealed.iv,
            sealed.ciphertext,
            sealed.authTag,
          ]);
          rotated++;
        }
        return found;
      });
      if (rows.length < batch) return { rotated, activeKeyId: cipher.activeKeyId, unreadable };
      const last = rows[rows.length - 1];
      after = [last.workspace_id, last.name];
    }
  }

  private requireCipher(): SecretCipher {
    if (!this.cipher) throw new StoreError('UNAVAILABLE', 'workspace secrets are not configured: set MOCKOPS_SECRETS_KEY');
    return this.cipher;
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) {
    throw new StoreError('INVALID', 'a secret name starts with a letter or _ and has up to 128 letters, digits and _');
  }
}

function toRecord(r: Row): SecretRecord {
  return { workspaceId: r.workspace_id, name: r.name, keyId: r.key_id, createdAt: isoAt(r.created_at), updatedAt: isoAt(r.updated_at) };
}
