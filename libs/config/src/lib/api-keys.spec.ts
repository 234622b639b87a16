import { ApiKeyFormatError, parseApiKeys } from './api-keys';

describe('parseApiKeys (MOCKOPS_API_KEYS)', () => {
  it('reads admin and workspace-scoped keys; a bare key is an admin key', () => {
    expect(parseApiKeys(' ops-key-123:admin , team-a-key-1:ws=workspace-123|workspace-456,plainkey99 ')).toEqual([
      { key: 'ops-key-123', workspaces: null },
      { key: 'team-a-key-1', workspaces: ['workspace-123', 'workspace-456'] },
      { key: 'plainkey99', workspaces: null },
    ]);
  });

  it('is empty when unset or blank', () => {
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys('  ')).toEqual([]);
  });

  it('lists every bad entry at once', () => {
    let error: ApiKeyFormatError | undefined;
    try {
      parseApiKeys('short:admin,good-key-123:root,other-key-1:ws=,dup-key-123,dup-key-123,k-with-bad-ws:ws=a b');
    } catch (e) {
      error = e as ApiKeyFormatError;
    }
    expect(error).toBeInstanceOf(ApiKeyFormatError);
    expect(error!.problems).toEqual([
      'entry 1: a key needs at least 8 characters',
      'entry 2: scope must be "admin" or "ws=<id>[|<id>...]", got "root"',
      'entry 3: "ws=" needs at least one workspace id',
      'entry 5: the same key is listed twice',
      'entry 6: invalid workspace id "a b"',
    ]);
  });
});
