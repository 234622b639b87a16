/**
 * What the test peers record (requests, mails): a list plus waiters woken on every arrival, so a
 * test can wait for "at least n" without polling.
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    for (const wake of [...this.waiters]) wake();
  }

  reset(): void {
    this.items.length = 0;
  }

  /** Resolves with a copy of the items once at least `n` arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs = 5000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.items.length < n) return;
        cleanup();
        resolve(this.items.slice());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.what}: expected ${n}, got ${this.items.length} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
