import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { GatewayError, GatewayErrorCode, HTTP_STATUS_OF } from './gateway-error';

const STORE_CODES: Record<string, GatewayErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID: 'VALIDATION_FAILED',
  UNAVAILABLE: 'UNAVAILABLE',
};

const CODE_OF_STATUS: Record<number, GatewayErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** Messages of body-parser failures, which carry a `type` but talk about internals. */
const BODY_PARSER_ERRORS: Record<string, [GatewayErrorCode, string]> = {
  'entity.too.large': ['PAYLOAD_TOO_LARGE', 'request body is too large'],
  'entity.parse.failed': ['BAD_REQUEST', 'malformed JSON body'],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported charset'],
  'request.aborted': ['BAD_REQUEST', 'request aborted'],
  'request.size.invalid': ['BAD_REQUEST', 'request size did not match content length'],
  'encoding.invalid': ['BAD_REQUEST', 'the request body is not valid UTF-8'],
};

/**
 * Turns anything thrown while serving a request into a GatewayError: our own, the store's StoreError
 * (matched by name and code so that this lib does not rely on class identity across bundles), Nest's
 * HttpExceptions (unknown routes, throttling) and body-parser's errors. Anything else is a bug: it is
 * logged with its stack and answered as a generic 500, never echoed.
 */
export function toGatewayError(exception: unknown): GatewayError {
  if (exception instanceof GatewayError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = CODE_OF_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
    const response = exception.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
    return new GatewayError(code, code === 'RATE_LIMITED' ? 'too many requests, slow down' : message);
  }
  if (exception instanceof Error) {
    const e = exception as Error & { code?: unknown; type?: unknown; status?: unknown };
    if (e.name === 'StoreError' && typeof e.code === 'string' && STORE_CODES[e.code]) {
      return new GatewayError(STORE_CODES[e.code], e.message);
    }
    if (typeof e.type === 'string' && BODY_PARSER_ERRORS[e.type]) {
      const [code, message] = BODY_PARSER_ERRORS[e.type];
      return new GatewayError(code, e.type === 'entity.parse.failed' ? `${message}: ${e.message}` : message);
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return new GatewayError(CODE_OF_STATUS[e.status] ?? 'BAD_REQUEST', e.message);
    }
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return new GatewayError('INTERNAL', 'internal error');
}

export function sendGatewayError(res: Response, exception: unknown): void {
  const error = toGatewayError(exception);
  if (res.headersSent) return;
  res.status(HTTP_STATUS_OF[error.code]).json(error.toBody());
}

/** The one place where errors become HTTP answers (`{code, message, details[]}`). */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    sendGatewayError(host.switchToHttp().getResponse<Response>(), exception);
  }
}

// Declared after the class so it can take the class's name; used only at call time.
const logger = new Logger(ApiErrorFilter.name);
