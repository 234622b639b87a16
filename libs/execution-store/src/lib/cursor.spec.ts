import { decodeCursor, encodeCursor, pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './cursor';
import { StoreError } from './store-error';

describe('keyset cursors', () => {
  const key = { at: '2024-05-01T10:00:00.123456+00:00', id: '3f0e8a52-4b1c-4d7e-9a51-0c6f1b2d3e4f' };

  it('round-trips the exact position, microseconds included, as an opaque url-safe string', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(key.id);
    expect(decodeCursor(cursor)).toEqual(key);
  });

  it.each([
    ['not base64 json', 'garbage!!'],
    ['a json object', Buffer.from('{"at":"x"}').toString('base64url')],
    ['a bad timestamp', encodeCursor({ at: 'yesterday', id: key.id })],
    ['a bad id', encodeCursor({ at: key.at, id: "1' OR '1'='1" })],
  ])('rejects %s with INVALID', (_label, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(StoreError);
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'INVALID' }));
  });

  it('bounds the page size', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    for (const bad of [0, -1, 1.5, MAX_PAGE_SIZE + 1, Number.NaN]) {
      expect(() => pageSize(bad)).toThrow(expect.objectContaining({ code: 'INVALID' }));
    }
  });
});
