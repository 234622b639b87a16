/**
 * Errors of outbound calls. One class for the domain with a string code; the denial has its own
 * subclass because callers treat it differently (never retry, tell the operator how to allow it).
 */
export type EgressErrorCode =
  | 'EGRESS_DENIED'
  | 'EGRESS_CONFIG'
  | 'EGRESS_INVALID_URL'
  | 'EGRESS_TIMEOUT'
  | 'EGRESS_ABORTED'
  | 'EGRESS_NETWORK'
  | 'EGRESS_REDIRECT'
  | 'EGRESS_TOO_LARGE';

export class EgressError extends Error {
  constructor(
    message: string,
    readonly code: EgressErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class EgressDeniedError extends EgressError {
  constructor(
    message: string,
    /** The host as written in the URL (no path, query or credentials). */
    readonly host: string,
    /** The address that was refused, when the refusal is about an address. */
    readonly address?: string,
    /** Wording of the restricted range, e.g. "private range". */
    readonly reason?: string,
  ) {
    super(message, 'EGRESS_DENIED');
  }
}
