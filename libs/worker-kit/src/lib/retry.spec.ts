import { StepError } from './step-errors';
import { stepBackoffStrategy } from './retry';

describe('stepBackoffStrategy (the delay BullMQ waits before the next attempt)', () => {
  const job = (delay: number) => ({ opts: { backoff: { delay } } });

  it('doubles per attempt with jitter on the upper half, capped at ten minutes', () => {
    for (const [attempt, exp] of [[1, 2000], [2, 4000], [3, 8000]] as const) {
      for (let i = 0; i < 20; i++) {
        const d = stepBackoffStrategy(attempt, 'mockops', new Error('x'), job(2000));
        expect(d).toBeGreaterThanOrEqual(exp / 2);
        expect(d).toBeLessThanOrEqual(exp);
      }
    }
    expect(stepBackoffStrategy(30, 'mockops', new Error('x'), job(2000))).toBeLessThanOrEqual(600_000);
  });

  it("waits what the peer said (Retry-After) instead", () => {
    expect(stepBackoffStrategy(1, 'mockops', new StepError('rate limited', 'RATE_LIMITED', true, 42_000), job(2000))).toBe(42_000);
  });
});
