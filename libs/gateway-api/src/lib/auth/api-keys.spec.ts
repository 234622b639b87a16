import { createHash } from 'node:crypto';
import { parseApiKeys } from '@mockops/config';
import { ApiKeyRegistry, canAccessWorkspace, isLoopbackHost } from './api-keys';

describe('ApiKeyRegistry', () => {
  const registry = new ApiKeyRegistry(parseApiKeys('admin-key-1:admin,team-key-1:ws=ws-a'));

  it('resolves keys to principals and refuses unknown ones', () => {
    expect(registry.open).toBe(false);
    expect(registry.authenticate('admin-key-1')).toMatchObject({ kind: 'admin', workspaces: null, keyId: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(registry.authenticate('team-key-1')).toMatchObject({ kind: 'scoped', workspaces: ['ws-a'] });
    expect(registry.authenticate('team-key-')).toBeNull();
    expect(registry.authenticate('')).toBeNull();
  });

  it('accepts keys given as their SHA-256, so the configuration need not hold them', () => {
    const hashed = new ApiKeyRegistry(parseApiKeys(`sha256:${createHash('sha256').update('team-key-hashed').digest('hex')}:ws=ws-h`));
    expect(hashed.authenticate('team-key-hashed')).toMatchObject({ kind: 'scoped', workspaces: ['ws-h'] });
    expect(hashed.authenticate('team-key-hashe')).toBeNull();
    expect(() => parseApiKeys('sha256:abc:admin')).toThrow(/64 hex digits/);
  });

  it('never exposes the key itself', () => {
    expect(JSON.stringify(registry.authenticate('admin-key-1'))).not.toContain('admin-key-1');
  });

  it('is open without keys', () => {
    expect(new ApiKeyRegistry([]).open).toBe(true);
  });
});

describe('canAccessWorkspace', () => {
  it('lets admins see everything and scoped keys only their workspaces (not unowned pipelines)', () => {
    const admin = { kind: 'admin' as const, keyId: 'a', workspaces: null };
    const scoped = { kind: 'scoped' as const, keyId: 'b', workspaces: ['ws-a'] };
    expect(canAccessWorkspace(admin, null)).toBe(true);
    expect(canAccessWorkspace(admin, 'ws-z')).toBe(true);
    expect(canAccessWorkspace(scoped, 'ws-a')).toBe(true);
    expect(canAccessWorkspace(scoped, 'ws-b')).toBe(false);
    expect(canAccessWorkspace(scoped, null)).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (h) => expect(isLoopbackHost(h)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.5', 'gateway.internal', '128.0.0.1'])('%s is not', (h) => expect(isLoopbackHost(h)).toBe(false));
});
