import { EgressDeniedError, EgressError } from '@mockops/egress';
import { PermanentStepError, TransientStepError } from '@mockops/worker-kit';
import { egressFailure, excerpt, httpFailure, parseRetryAfter } from './notify-failures';
import { urlSecrets } from './notify-context';

describe('httpFailure', () => {
  it('treats 5xx and 408 as transient, other 4xx and 3xx as permanent', () => {
    expect(httpFailure('webhook', 500, '', null)).toBeInstanceOf(TransientStepError);
    expect(httpFailure('webhook', 503, '', null)).toBeInstanceOf(TransientStepError);
    expect(httpFailure('webhook', 408, '', null)).toBeInstanceOf(TransientStepError);
    expect(httpFailure('webhook', 400, 'bad', null)).toBeInstanceOf(PermanentStepError);
    expect(httpFailure('webhook', 404, '', null)).toBeInstanceOf(PermanentStepError);
    expect(httpFailure('webhook', 302, '', null)).toBeInstanceOf(PermanentStepError);
  });

  it('honours Retry-After on 429', () => {
    const err = httpFailure('webhook', 429, '', '7') as TransientStepError;
    expect(err).toBeInstanceOf(TransientStepError);
    expect(err.retryAfterMs).toBe(7000);
    expect(err.message).toContain('retry after 7 s');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('egressFailure', () => {
  it('makes a denial permanent and timeouts or network errors transient', () => {
    expect(egressFailure('x', new EgressDeniedError('egress to 10.0.0.1 (private range) is not allowed', '10.0.0.1'), [])).toBeInstanceOf(PermanentStepError);
    expect(egressFailure('x', new EgressError('timed out', 'EGRESS_TIMEOUT'), [])).toBeInstanceOf(TransientStepError);
    expect(egressFailure('x', new EgressError('ECONNREFUSED', 'EGRESS_NETWORK'), [])).toBeInstanceOf(TransientStepError);
  });

  it('scrubs secrets out of the message', () => {
    const err = egressFailure('x', new Error('failed for https://h.test/services/T1/B2/s3cr3t'), urlSecrets('https://h.test/services/T1/B2/s3cr3t'));
    expect(err.message).not.toContain('s3cr3t');
  });
});

describe('excerpt / urlSecrets', () => {
  it('takes password, path tokens and query of a URL as secrets', () => {
    expect(urlSecrets('smtp://user:p%40ss@mail.test:587')).toEqual(expect.arrayContaining(['p%40ss', 'p@ss']));
    expect(urlSecrets('https://hooks.slack.com/services/T000/B000/XXXX')).toEqual(expect.arrayContaining(['T000', 'B000', 'XXXX']));
    expect(urlSecrets('https://hooks.slack.com/services/T000/B000/XXXX')).not.toContain('services');
  });

  it('caps excerpts on one line', () => {
    expect(excerpt('a\n  b   c', 10)).toBe('a b c');
    expect(excerpt('x'.repeat(20), 5)).toBe('xxxxx…');
  });
});
