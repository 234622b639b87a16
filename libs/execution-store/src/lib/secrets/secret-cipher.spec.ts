import { randomBytes } from 'node:crypto';
import { SecretCipher, SecretDecryptionError } from './secret-cipher';

describe('SecretCipher (AES-256-GCM)', () => {
  const old = { id: 'old', key: randomBytes(32) };
  const fresh = { id: 'new', key: randomBytes(32) };
  const ctx = { workspaceId: 'ws-a', name: 'GITHUB_TOKEN' };

  it('seals with the first key and opens with any configured key', () => {
    const sealed = new SecretCipher([old]).seal('ghp_value', ctx);
    expect(sealed.keyId).toBe('old');
    expect(sealed.ciphertext.toString('utf8')).not.toContain('ghp_value');
    const rotated = new SecretCipher([fresh, old]);
    expect(rotated.open(sealed, ctx)).toBe('ghp_value');
    expect(rotated.seal('x', ctx).keyId).toBe('new');
  });

  it("refuses a value moved to another workspace or name (the additional data binds it), a tampered one, and a dropped key", () => {
    const cipher = new SecretCipher([old]);
    const sealed = cipher.seal('ghp_value', ctx);
    expect(() => cipher.open(sealed, { workspaceId: 'ws-b', name: 'GITHUB_TOKEN' })).toThrow(SecretDecryptionError);
    expect(() => cipher.open(sealed, { workspaceId: 'ws-a', name: 'OTHER' })).toThrow(SecretDecryptionError);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext).fill(0, 0, 1) };
    expect(() => cipher.open(tampered, ctx)).toThrow(SecretDecryptionError);
    expect(() => new SecretCipher([fresh]).open(sealed, ctx)).toThrow(/no longer holds/);
  });
});
