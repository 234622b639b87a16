/**
 * The gateway's one exception class. Everything the API can answer with besides success is a
 * GatewayError code; the ApiErrorFilter alone decides the HTTP status for each code.
 */
export type GatewayErrorCode =
  | 'VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** One problem in a request; positions are present when the input had source text. */
export interface ErrorDetail {
  message: string;
  path?: string;
  line?: number;
  column?: number;
  code?: string;
  severity?: 'error' | 'warning';
}

/** The JSON body of every error response. */
export interface ApiErrorBody {
  code: GatewayErrorCode;
  message: string;
  details: ErrorDetail[];
}

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  static notFound(what: string, id: string): GatewayError {
    return new GatewayError('NOT_FOUND', `${what} ${id} not found`);
  }

  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const HTTP_STATUS_OF: Record<GatewayErrorCode, number> = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
