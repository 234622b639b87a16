import { EgressDeniedError, EgressError } from '@mockops/egress';
import { egressStepError, excerpt, httpStatusFailure, type HttpFailureCodes } from './http-failures';
import { PermanentStepError, TransientStepError } from './step-errors';

const codes: HttpFailureCodes = { rateLimited: 'RL', unavailable: 'UN', redirect: 'RD', rejected: 'RJ', timeout: 'TO', network: 'NW', config: 'CF' };
const answer = (status: number, retryAfter: string | null = null) => ({ status, body: 'b', retryAfter });

describe('httpStatusFailure', () => {
  it('retries 5xx, 408 and 429 (after Retry-After); 3xx and other 4xx are final, with the codes given', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect([500, 503, 408, 429, 302, 400, 404].map((s) => [s, httpStatusFailure('x', answer(s, '3'), codes, 'advice', now)]).map(([s, e]) => [s, (e as TransientStepError).code, (e as TransientStepError).retryable])).toEqual([
      [500, 'UN', true],
      [503, 'UN', true],
      [408, 'UN', true],
      [429, 'RL', true],
      [302, 'RD', false],
      [400, 'RJ', false],
      [404, 'RJ', false],
    ]);
    expect(httpStatusFailure('x', answer(429, '3'), codes, 'a', now).retryAfterMs).toBe(3000);
    expect(httpStatusFailure('GET h', answer(302), codes, 'follow it').message).toBe('GET h answered 302 (redirect); follow it');
    expect(httpStatusFailure('GET h', answer(404), codes, 'a').message).toBe('GET h answered 404: b');
  });
});

describe('egressStepError', () => {
  it('denials and bad URLs are final, timeouts and network errors retried; a too-large answer is final only with its code', () => {
    expect(egressStepError('x', new EgressDeniedError('egress to 10.0.0.1 is not allowed', '10.0.0.1'), [], codes)).toBeInstanceOf(PermanentStepError);
    expect(egressStepError('x', new EgressError('t', 'EGRESS_TIMEOUT'), [], codes)).toMatchObject({ code: 'TO', retryable: true });
    expect(egressStepError('x', new EgressError('u', 'EGRESS_INVALID_URL'), [], codes)).toMatchObject({ code: 'CF', retryable: false });
    expect(egressStepError('x', new EgressError('big', 'EGRESS_TOO_LARGE'), [], codes)).toMatchObject({ code: 'NW', retryable: true });
    expect(egressStepError('x', new EgressError('big', 'EGRESS_TOO_LARGE'), [], { ...codes, tooLarge: 'TL' })).toMatchObject({ code: 'TL', retryable: false });
    expect(egressStepError('x', new Error('boom s3cr3t'), ['s3cr3t'], codes).message).not.toContain('s3cr3t');
  });

  it('excerpts on one line, capped', () => {
    expect(excerpt('a\n  b   c', 10)).toBe('a b c');
    expect(excerpt('x'.repeat(20), 5)).toBe('xxxxx…');
  });
});
