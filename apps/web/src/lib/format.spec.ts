import { formatDuration, formatRate, formatRelative, isActive } from './format';

describe('format', () => {
  it.each([
    [null, '—'],
    [0, '0ms'],
    [140, '140ms'],
    [1234, '1.23s'],
    [12_345, '12.3s'],
    [125_000, '2m 05s'],
    [3_720_000, '1h 02m'],
    [90_000_000, '1d 01h'],
  ])('formatDuration(%p) = %p', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('says how long ago, and in how long', () => {
    const now = Date.parse('2026-11-24T05:22:40Z');
    expect(formatRelative('2026-11-24T05:22:38Z', now)).toBe('just now');
    expect(formatRelative('2026-11-24T05:22:10Z', now)).toBe('30s ago');
    expect(formatRelative('2026-11-24T03:22:40Z', now)).toBe('2h ago');
    expect(formatRelative('2026-11-24T05:32:40Z', now)).toBe('in 10m');
    expect(formatRelative(null, now)).toBe('—');
  });

  it('shows success rates as percentages and active statuses as active', () => {
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0.9756)).toBe('97.6%');
    expect(formatRate(null)).toBe('—');
    expect(isActive('waiting')).toBe(true);
    expect(isActive('failed')).toBe(false);
  });
});
