import { EgressDeniedError } from '@mockops/egress';
import { PermanentStepError, TransientStepError } from '@mockops/worker-kit';
import { retryAfterFromHeaders, toStepError } from './github-errors';

const NOW = 1_700_000_000_000;
const failure = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
  name: 'HttpError',
  status,
  message: 'x',
  response: { headers, data },
});

describe('toStepError', () => {
  it('401 → permanent, says the token was rejected', () => {
    const e = toStepError(failure(401, { message: 'Bad credentials' }), 'reading branch main', 'org/repo', NOW);
    expect(e).toBeInstanceOf(PermanentStepError);
    expect(e.message).toMatch(/^GitHub rejected the token \(401\)/);
  });

  it.each([403, 404])('%i → permanent, repository not found or no access', (status) => {
    const e = toStepError(failure(status, { message: 'Not Found' }), 'reading branch main', 'org/repo', NOW);
    expect(e).toBeInstanceOf(PermanentStepError);
    expect(e.message).toContain('repository org/repo not found or token lacks access');
  });

  it('422 → permanent with GitHub\'s message and details', () => {
    const e = toStepError(
      failure(422, { message: 'Validation Failed', errors: [{ message: 'No commits between main and x' }] }),
      'creating the pull request',
      'org/repo',
      NOW,
    );
    expect(e).toBeInstanceOf(PermanentStepError);
    expect(e.message).toContain('Validation Failed: No commits between main and x');
  });

  it('rate limits → transient with the wait GitHub asked for', () => {
    const secondary = toStepError(failure(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '42' }), 'a', 'o/r', NOW);
    expect(secondary).toBeInstanceOf(TransientStepError);
    expect(secondary.retryAfterMs).toBe(42_000);
    const primary = toStepError(
      failure(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }),
      'a',
      'o/r',
      NOW,
    );
    expect(primary.retryAfterMs).toBe(101_000);
    expect(toStepError(failure(429, { message: 'slow down' }), 'a', 'o/r', NOW).retryAfterMs).toBe(60_000);
  });

  it('5xx → transient; a denied address → permanent', () => {
    expect(toStepError(failure(503, { message: 'down' }), 'a', 'o/r', NOW)).toBeInstanceOf(TransientStepError);
    const denied = toStepError({ status: 500, message: 'x', cause: new EgressDeniedError('egress to 10.0.0.1 is not allowed', '10.0.0.1') }, 'a', 'o/r');
    expect(denied).toBeInstanceOf(PermanentStepError);
    expect(denied.code).toBe('EGRESS_DENIED');
  });
});

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after, then the reset time, else a minute', () => {
    expect(retryAfterFromHeaders({ 'retry-after': '0' }, NOW)).toBe(1000);
    expect(retryAfterFromHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 5) }, NOW)).toBe(6000);
    expect(retryAfterFromHeaders({}, NOW)).toBe(60_000);
  });
});
