import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key of MOCKOPS_SECRETS_KEY with its id (stored beside every value it encrypted). */
export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface SealedSecret {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * AES-256-GCM with a random 96-bit IV per value. The additional authenticated data is the value's
 * workspace and name, so a row copied onto another workspace's (or another name) fails to decrypt
 * instead of handing one tenant another's secret. The first key encrypts; every key decrypts, so a
 * new key can be put first and the old ones re-encrypted away (`mockforge secrets rotate-key`).
 */
export class SecretCipher {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new Error('SecretCipher needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`secrets key ${k.id} is ${k.key.length} bytes; AES-256 needs 32`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.keys[0].id;
  }

  seal(plaintext: string, context: { workspaceId: string; name: string }): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0].key, iv);
    cipher.setAAD(aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.keys[0].id, iv, ciphertext, authTag: cipher.getAuthTag() };
  }

  open(sealed: SealedSecret, context: { workspaceId: string; name: string }): string {
    const key = this.byId.get(sealed.keyId);
    if (!key) throw new SecretDecryptionError(`secret ${context.name} was encrypted with key ${sealed.keyId}, which MOCKOPS_SECRETS_KEY no longer holds`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
      decipher.setAAD(aad(context));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(`secret ${context.name} of workspace ${context.workspaceId} does not decrypt (wrong key or tampered value)`);
    }
  }
}

function aad(context: { workspaceId: string; name: string }): Buffer {
  return Buffer.from(`mockops-secret\u0000${context.workspaceId}\u0000${context.name}`, 'utf8');
}
