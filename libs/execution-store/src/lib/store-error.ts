/** Why a store call was refused; the gateway maps these codes to HTTP (404, 409, 400, 503). */
export type StoreErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'UNAVAILABLE';

/** The one exception class of the execution-store domain. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * A value Postgres refuses for good (a data exception or a program limit): the same call fails the
 * same way on every retry. It is an INVALID StoreError (400 at the gateway, never retried by workers).
 */
export class StoreDataError extends StoreError {
  constructor(
    readonly sqlState: string,
    message: string,
  ) {
    super('INVALID', message);
  }
}

/** Postgres error with its SQLSTATE and, for constraint violations, the constraint name. */
export function pgErrorOf(e: unknown): { code?: string; constraint?: string } {
  const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  return { code: err?.driverError?.code ?? err?.code, constraint: err?.driverError?.constraint ?? err?.constraint };
}

/**
 * A Postgres error that will fail the same way however often it is retried: a data exception (class
 * 22: a NUL, a surrogate half, a value out of range), an integrity violation (23), a statement or
 * privilege error (42) or a program limit (54: a value too large). Connection loss, shutdown and
 * lock timeouts are not: they pass once the database is back.
 */
export function isPermanentDataError(e: unknown): boolean {
  if (e instanceof StoreDataError) return true;
  const { code } = pgErrorOf(e);
  return typeof code === 'string' && /^(22|23|42|54)/.test(code);
}
