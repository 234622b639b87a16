/** Why a store call was refused; the gateway maps these codes to HTTP (404, 409, 400). */
export type StoreErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID';

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

/** Postgres error with its SQLSTATE and, for constraint violations, the constraint name. */
export function pgErrorOf(e: unknown): { code?: string; constraint?: string } {
  const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  return { code: err?.driverError?.code ?? err?.code, constraint: err?.driverError?.constraint ?? err?.constraint };
}
