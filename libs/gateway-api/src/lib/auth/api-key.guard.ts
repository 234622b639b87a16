import { CanActivate, ExecutionContext, Inject, Injectable, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { GatewayError } from '../errors/gateway-error';
import { ANONYMOUS_PRINCIPAL, ApiKeyRegistry, Principal } from './api-keys';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Reads the key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: Request): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  const header = req.headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() || null;
}

/**
 * Attaches the caller's Principal to the request, or answers 401. With no keys configured every
 * caller is the anonymous admin; configureGatewayApp refuses that mode unless bound to loopback.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.keys.open) {
      req.principal = ANONYMOUS_PRINCIPAL;
      return true;
    }
    const key = presentedKey(req);
    if (!key) throw new GatewayError('UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = this.keys.authenticate(key);
    if (!principal) throw new GatewayError('UNAUTHORIZED', 'invalid API key');
    req.principal = principal;
    return true;
  }
}

/** The Principal the ApiKeyGuard attached to the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) throw new GatewayError('UNAUTHORIZED', 'request was not authenticated');
  return req.principal;
});
