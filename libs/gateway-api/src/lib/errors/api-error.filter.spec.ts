import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { StoreError } from '@mockops/execution-store';
import { toGatewayError } from './api-error.filter';
import { GatewayError, HTTP_STATUS_OF } from './gateway-error';

/** What body-parser throws (an http-errors error with a `type`). */
function bodyParserError(type: string, status: number, message: string) {
  return Object.assign(new Error(message), { type, status, statusCode: status, expose: true });
}

const statusOf = (e: unknown) => HTTP_STATUS_OF[toGatewayError(e).code];

describe('toGatewayError: every failure gets a code and the right status', () => {
  it("maps the store's errors", () => {
    expect(statusOf(new StoreError('NOT_FOUND', 'pipeline x not found'))).toBe(404);
    expect(statusOf(new StoreError('CONFLICT', 'name taken'))).toBe(409);
    expect(statusOf(new StoreError('INVALID', 'invalid cursor'))).toBe(400);
    expect(toGatewayError(new StoreError('CONFLICT', 'name taken')).message).toBe('name taken');
  });

  it("maps body-parser's errors without leaking internals", () => {
    expect(statusOf(bodyParserError('entity.too.large', 413, 'request entity too large'))).toBe(413);
    expect(statusOf(bodyParserError('entity.parse.failed', 400, 'Unexpected end of JSON input'))).toBe(400);
    expect(statusOf(bodyParserError('charset.unsupported', 415, 'unsupported charset "X"'))).toBe(415);
  });

  it("maps Nest's HTTP exceptions", () => {
    expect(toGatewayError(new ThrottlerException()).code).toBe('RATE_LIMITED');
    expect(toGatewayError(new NotFoundException('Cannot GET /x')).toBody()).toEqual({ code: 'NOT_FOUND', message: 'Cannot GET /x', details: [] });
    expect(toGatewayError(new BadRequestException(['a is bad', 'b is bad'])).message).toBe('a is bad; b is bad');
  });

  it('keeps our own errors and turns anything else into a 500 that says nothing', () => {
    const own = new GatewayError('FORBIDDEN', 'no', [{ path: 'workspace_id', message: 'x' }]);
    expect(toGatewayError(own)).toBe(own);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const surprise = toGatewayError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    // The bug is logged with its stack for the operator, not sent to the caller.
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("reading 'secret'"));
    logged.mockRestore();
    expect(surprise.toBody()).toEqual({ code: 'INTERNAL', message: 'internal error', details: [] });
    expect(HTTP_STATUS_OF[surprise.code]).toBe(500);
  });
});
