import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import { findInputProblem, stringProblem } from '@mockops/pipeline-core';
import { sendGatewayError } from '../errors/api-error.filter';
import { GatewayError } from '../errors/gateway-error';

/**
 * body-parser `verify`: the raw bytes must be UTF-8. Decoding would otherwise turn invalid bytes into
 * U+FFFD silently (two different names could collapse into one).
 */
export function verifyUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) {
    throw Object.assign(new Error('the request body is not valid UTF-8'), { type: 'encoding.invalid', status: 400 });
  }
}

/**
 * One check at the edge for every request, before any route sees it (PRODUCT §9, "valid at the
 * edges"): every path segment and query value decodes to valid text without NUL or surrogate halves,
 * and a parsed JSON body holds only such strings, nested at most the input depth limit (deeper JSON
 * overflows the stack of JSON.stringify further in). A problem is a 400 in the API's error shape.
 */
export function inputChecks() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const problem = pathProblem(req.path) ?? queryProblem(req.query) ?? bodyProblem(req.body);
    if (problem) {
      sendGatewayError(res, problem);
      return;
    }
    next();
  };
}

function pathProblem(path: string): GatewayError | null {
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return new GatewayError('BAD_REQUEST', `the path segment "${segment.slice(0, 80)}" is not valid percent-encoded UTF-8`);
    }
    const why = stringProblem(decoded);
    if (why) return new GatewayError('BAD_REQUEST', `a path segment ${why}`, [{ path: 'path', message: why }]);
  }
  return null;
}

function queryProblem(query: unknown): GatewayError | null {
  const problem = findInputProblem(query, { maxDepth: 4 });
  if (!problem) return null;
  return new GatewayError('BAD_REQUEST', `query parameter ${problem.path || ''}: ${problem.message}`.replace('  ', ' '), [
    { path: `query.${problem.path}`, message: problem.message },
  ]);
}

function bodyProblem(body: unknown): GatewayError | null {
  if (body === undefined || body === null || Buffer.isBuffer(body)) return null;
  const problem = findInputProblem(body);
  if (!problem) return null;
  const at = problem.path ? `${problem.path}: ` : '';
  return new GatewayError('VALIDATION_FAILED', `request body: ${at}${problem.message}`, [{ path: problem.path, message: problem.message, code: problem.code }]);
}
