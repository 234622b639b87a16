import { randomBytes } from 'node:crypto';
import { openTestDb, type TestDb } from '../../test/store-test-db';
import { SecretCipher } from './secret-cipher';
import { SecretStore } from './secret.store';

describe('SecretStore (real Postgres, own schema)', () => {
  let db: TestDb;
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores values encrypted, lists names only, replaces and deletes', async () => {
    const store = new SecretStore(db.ds, new SecretCipher([k1]));
    expect((await store.put('ws-a', 'TOKEN', 'value-one-111')).created).toBe(true);
    expect((await store.put('ws-a', 'TOKEN', 'value-two-222')).created).toBe(false);
    await store.put('ws-b', 'TOKEN', 'value-b-333');
    const [row] = await db.ds.query(`SELECT * FROM "${db.schema}".workspace_secrets WHERE workspace_id = 'ws-a'`);
    expect(Buffer.from(row.ciphertext).toString('utf8')).not.toContain('value-two');
    expect(await store.list('ws-a')).toEqual([expect.objectContaining({ workspaceId: 'ws-a', name: 'TOKEN', keyId: 'k1' })]);
    expect(JSON.stringify(await store.list('ws-a'))).not.toContain('value');
    expect(await store.resolve('ws-a', ['TOKEN', 'MISSING'])).toEqual(new Map([['TOKEN', 'value-two-222']]));
    expect(await store.delete('ws-b', 'TOKEN')).toBe(true);
    expect(await store.delete('ws-b', 'TOKEN')).toBe(false);
    await expect(store.put('ws-a', 'bad name', 'x')).rejects.toMatchObject({ code: 'INVALID' });
    await expect(store.put('ws-a', 'NUL', 'a\u0000b')).rejects.toMatchObject({ code: 'INVALID' });
  });

  it("refuses a value copied onto another workspace's row (it is bound to its workspace and name)", async () => {
    const store = new SecretStore(db.ds, new SecretCipher([k1]));
    await store.put('ws-victim', 'DEPLOY', 'victim-secret-444');
    await store.put('ws-thief', 'DEPLOY', 'placeholder');
    await db.ds.query(
      `UPDATE "${db.schema}".workspace_secrets t SET iv = v.iv, ciphertext = v.ciphertext, auth_tag = v.auth_tag
       FROM "${db.schema}".workspace_secrets v WHERE t.workspace_id = 'ws-thief' AND v.workspace_id = 'ws-victim'`,
    );
    await expect(store.resolve('ws-thief', ['DEPLOY'])).rejects.toThrow(/does not decrypt/);
  });

  it('rotates every value to the first key, after which the old key can go', async () => {
    await new SecretStore(db.ds, new SecretCipher([k1])).put('ws-r', 'ROTATE_ME', 'rotating-555');
    const both = new SecretStore(db.ds, new SecretCipher([k2, k1]));
    const { rotated, activeKeyId, unreadable } = await both.rotate(2);
    expect(activeKeyId).toBe('k2');
    expect(rotated).toBeGreaterThanOrEqual(3);
    // The tampered row of the test above cannot be re-encrypted; it is named, and the rest goes on.
    expect(unreadable).toEqual(['ws-thief/DEPLOY']);
    expect(await both.rotate()).toMatchObject({ rotated: 0, unreadable: ['ws-thief/DEPLOY'] });
    const onlyNew = new SecretStore(db.ds, new SecretCipher([k2]));
    expect(await onlyNew.resolve('ws-r', ['ROTATE_ME'])).toEqual(new Map([['ROTATE_ME', 'rotating-555']]));
  });

  it('without a key: can list and delete, not store or read values', async () => {
    const store = new SecretStore(db.ds, null);
    await expect(store.put('ws-a', 'X', 'y')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.resolve('ws-a', ['TOKEN'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await store.list('ws-a')).map((s) => s.name)).toEqual(['TOKEN']);
  });
});
