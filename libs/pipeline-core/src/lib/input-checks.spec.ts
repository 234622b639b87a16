import { findInputProblem, isValidIsoDateTime, stringProblem } from './input-checks';

describe('stringProblem', () => {
  it('accepts ordinary text, emoji and control characters other than NUL', () => {
    expect(stringProblem('plain text\twith tab\nand newline')).toBeNull();
    expect(stringProblem('emoji 🚀 and CJK 漢字')).toBeNull();
  });

  it('refuses NUL and unpaired surrogates', () => {
    expect(stringProblem('a\u0000b')).toMatch(/NUL/);
    expect(stringProblem('\ud800')).toMatch(/surrogate/);
    expect(stringProblem('x\udc00y')).toMatch(/surrogate/);
    expect(stringProblem('\ud83d')).toMatch(/surrogate/);
  });
});

describe('findInputProblem', () => {
  it('finds a bad string anywhere, with its path, keys included', () => {
    expect(findInputProblem({ a: [1, { b: 'ok' }, { c: 'bad\u0000' }] })).toEqual({ code: 'INVALID_STRING', path: 'a[2].c', message: expect.stringMatching(/NUL/) });
    expect(findInputProblem({ ['k\ud800']: 1 })).toMatchObject({ code: 'INVALID_STRING', message: expect.stringMatching(/^key /) });
  });

  it('stops at the depth limit without recursing (10,000 levels deep is refused, not a stack overflow)', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(findInputProblem(deep)).toMatchObject({ code: 'DEPTH_LIMIT' });
    let ok: unknown = 'leaf';
    for (let i = 0; i < 64; i++) ok = [ok];
    expect(findInputProblem(ok)).toBeNull();
    expect(findInputProblem([ok])).toMatchObject({ code: 'DEPTH_LIMIT' });
  });
});

describe('isValidIsoDateTime', () => {
  it.each(['2024-02-29', '2024-02-29T23:59:59Z', '2026-11-30T10:00:00.123+01:00', '2026-01-01 10:00:00Z'])('%s is a date', (v) => expect(isValidIsoDateTime(v)).toBe(true));
  it.each(['2024-02-30', '2023-02-29T00:00:00Z', '2026-13-01', '2026-01-01T24:00:00Z', 'yesterday', '1700000000'])('%s is not', (v) => expect(isValidIsoDateTime(v)).toBe(false));
});
